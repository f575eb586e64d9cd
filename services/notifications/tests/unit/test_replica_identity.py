"""Each notifications replica has an identity, recorded on its claims: stable for one replica started
again on the same host and data folder, different for two replicas with folders of their own, and
set by the operator with NOTIFICATIONS_REPLICA_ID (in Kubernetes, a StatefulSet pod's name)."""
from __future__ import annotations

import socket

from notifications.config import load_settings


def test_a_replica_is_named_by_its_host_and_data_folder_unless_the_operator_names_it(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTIFICATIONS_REPLICA_ID", raising=False)
    first = load_settings(data_dir=tmp_path / "a").replica_id
    assert first == load_settings(data_dir=tmp_path / "a").replica_id, "the same replica, started again"
    assert first.startswith(socket.gethostname()[:100] + ":")
    assert first != load_settings(data_dir=tmp_path / "b").replica_id, "another folder, another replica"

    monkeypatch.setenv("NOTIFICATIONS_REPLICA_ID", "notifications-1")
    assert load_settings(data_dir=tmp_path / "a").replica_id == "notifications-1"
