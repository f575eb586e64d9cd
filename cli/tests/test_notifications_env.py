"""`safeguard up` tells the notifications service where the workspace is, so its messages link to pages."""
from __future__ import annotations

from safeguard_cli.supervisor import notifications_env

PORTS = {"referrals": 8101, "notifications": 8103, "workspace": 8100}


def test_messages_link_to_the_workspace_on_its_port():
    assert notifications_env({}, PORTS)["NOTIFICATIONS_WORKSPACE_URL"] == "http://127.0.0.1:8100"


def test_the_workspaces_public_address_wins_and_an_explicit_setting_is_kept():
    public = {"WORKSPACE_PUBLIC_URL": "https://reviews.example.org"}
    assert notifications_env(public, PORTS)["NOTIFICATIONS_WORKSPACE_URL"] == "https://reviews.example.org"
    given = public | {"NOTIFICATIONS_WORKSPACE_URL": "https://elsewhere.example.org"}
    assert notifications_env(given, PORTS)["NOTIFICATIONS_WORKSPACE_URL"] == "https://elsewhere.example.org"
