"""The supervisor's decisions with stand-in processes and a clock the test moves: back-off, its
reset, never giving up, stack.json; ``safeguard status``'s words; the checks that a pid is ours."""
from __future__ import annotations

import io
import json
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safeguard_cli import status
from safeguard_cli.lifecycle import die_with_parent, is_nats, is_service, port_holder
from safeguard_cli.supervisor import Backoff, Child, Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeChild(Child):
    def __init__(self, name: str, tmp_path: Path):
        self.name = name
        self.port = 1  # nothing listens there: no port holder to report
        self.host = "127.0.0.1"
        self.log_file = tmp_path / "logs" / f"{name}.log"
        self.pid_file = tmp_path / "run" / f"{name}.pid"
        self.running = False
        self.answering = False
        self.code: int | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"fake://{self.name}"

    def start(self) -> None:
        self.starts += 1
        self.running, self.code = True, None
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.write_text(f"{self.name} started {self.starts} times\n")

    def alive(self) -> bool:
        return self.running

    @property
    def returncode(self) -> int | None:
        return self.code

    @property
    def pid(self) -> int | None:
        return 4242

    def ready(self) -> bool:
        return self.answering

    def crash(self, code: int = 1) -> None:
        self.running, self.answering, self.code = False, False, code


BACKOFF = Backoff(first=1, cap=4, reset_after=10)


def _supervisor(tmp_path, *names, backoff=BACKOFF):
    clock = Clock()
    children = [FakeChild(name, tmp_path) for name in names]
    out = io.StringIO()
    sup = Supervisor(children, out, backoff=backoff, state_file=tmp_path / "run" / "stack.json",
                     clock=clock, health_interval=1000)
    for watch in sup.watches:
        sup._launch(watch, clock())
    for child in children:
        child.answering = True
    sup.step()
    return sup, clock, children, out


def test_backoff_doubles_from_the_first_delay_up_to_the_cap():
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_backoff_is_read_from_the_environment_and_junk_is_ignored():
    backoff = Backoff.from_env({"SAFEGUARD_RESTART_FIRST_DELAY": "0.2", "SAFEGUARD_RESTART_MAX_DELAY": "nonsense",
                                "SAFEGUARD_RESTART_RESET_AFTER": "-1"})
    assert backoff == Backoff(first=0.2, cap=60, reset_after=60)


def test_a_child_that_keeps_crashing_is_restarted_after_growing_delays_and_the_other_is_untouched(tmp_path):
    sup, clock, (a, b), out = _supervisor(tmp_path, "alpha", "beta")
    assert [w.status for w in sup.watches] == ["up", "up"]
    delays = []
    for _ in range(5):
        a.crash(3)
        sup.step()
        watch = sup.watches[0]
        assert watch.status == "restarting"
        delay = watch.next_attempt - clock.now
        delays.append(delay)
        clock.now += delay - 0.01
        sup.step()
        assert watch.status == "restarting", "not before its time"
        clock.now += 0.01
        sup.step()
        assert watch.status == "starting"
        a.answering = True
        sup.step()
        assert watch.status == "up"
    assert delays == [1, 2, 4, 4, 4]
    assert a.starts == 6 and b.starts == 1
    assert sup.watches[1].status == "up"
    text = out.getvalue()
    assert "!! alpha stopped unexpectedly (exit code 3). Last lines of" in text
    assert "   | alpha started 5 times" in text
    assert "!! restarting alpha in 4 s" in text and "the other services keep running" in text
    assert "ok alpha is up again at fake://alpha" in text
    assert "beta" not in text


def test_the_back_off_starts_again_once_a_child_has_stayed_up_for_a_while(tmp_path):
    sup, clock, (a,), _ = _supervisor(tmp_path, "alpha")
    watch = sup.watches[0]
    for _ in range(3):
        a.crash()
        sup.step()
        clock.now = watch.next_attempt
        sup.step()
        a.answering = True
        sup.step()
    assert watch.failures == 3
    clock.now += 9.9
    sup.step()
    assert watch.failures == 3
    clock.now += 0.1
    sup.step()
    assert watch.failures == 0
    a.crash()
    sup.step()
    assert watch.next_attempt - clock.now == 1


def test_a_child_that_dies_while_starting_is_restarted_too(tmp_path):
    sup, clock, (a,), out = _supervisor(tmp_path, "alpha")
    a.crash()
    sup.step()
    clock.now = sup.watches[0].next_attempt
    sup.step()
    a.crash(1)  # dies before it ever answers
    sup.step()
    assert sup.watches[0].status == "restarting"
    assert "!! alpha exited while starting (exit code 1)" in out.getvalue()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the port's listener is found in /proc")
def test_a_stranger_answering_on_a_childs_port_is_not_taken_for_the_child(tmp_path):
    """Another process took the port as the stack started: its health check answers 200, but the child
    cannot listen there. The child is not said to be up, and the stranger is named, once; when the
    stranger has gone, the child's own answer counts."""
    clock = Clock()
    child = FakeChild("scheduling", tmp_path)
    out = io.StringIO()
    sup = Supervisor([child], out, backoff=BACKOFF, state_file=tmp_path / "run" / "stack.json",
                     clock=clock, health_interval=1000)
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        child.port = stranger.getsockname()[1]
        sup._launch(sup.watches[0], clock())
        child.answering = True  # what answers /health there is the stranger
        sup.step()
        clock.now += 1
        sup.step()
        assert sup.watches[0].status == "starting" and sup.state != "up"
        said = out.getvalue()
        assert said.count("another process answers") == 1
        assert f"scheduling: another process answers on port {child.port} (pid {os.getpid()}," in said
        assert "SCHEDULING_PORT" in said
    sup.step()
    assert sup.watches[0].status == "up" and sup.state == "up"


def test_stack_json_says_what_is_up_what_is_restarting_and_when(tmp_path):
    sup, clock, (a, _b), _ = _supervisor(tmp_path, "alpha", "beta")
    a.crash(2)
    sup.step()
    state = json.loads((tmp_path / "run" / "stack.json").read_text())
    assert state["state"] == "degraded" and state["supervisor_pid"] == os.getpid()
    alpha, beta = state["components"]["alpha"], state["components"]["beta"]
    assert alpha["status"] == "restarting" and alpha["pid"] is None and alpha["last_exit"]["code"] == 2
    next_attempt = datetime.fromisoformat(alpha["next_attempt"])
    assert timedelta(seconds=0) < next_attempt - datetime.now(UTC) <= timedelta(seconds=2)
    assert beta["status"] == "up" and beta["healthy"] and beta["restarts"] == 0
    sup.stop_all()
    assert json.loads((tmp_path / "run" / "stack.json").read_text())["state"] == "stopped"


def _write_state(data_dir: Path, **components) -> None:
    (data_dir / "run").mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    (data_dir / "run" / "stack.json").write_text(json.dumps({
        "state": "degraded", "supervisor_pid": os.getpid(), "started_at": now.isoformat(),
        "updated_at": now.isoformat(), "components": components}))


UP = {"status": "up", "healthy": True, "url": "http://127.0.0.1:8101", "pid": 11, "restarts": 0,
      "up_since": datetime.now(UTC).isoformat(), "last_exit": None, "next_attempt": None, "log": "x.log"}


def test_status_in_plain_words(tmp_path, monkeypatch):
    text, code = status.render(tmp_path)
    assert code == 1 and "No stack has run" in text

    monkeypatch.setattr(status, "_supervisor_running", lambda pid: True)
    restarting = {**UP, "status": "restarting", "healthy": False, "pid": None, "restarts": 3,
                  "next_attempt": (datetime.now(UTC) + timedelta(seconds=30)).isoformat(),
                  "last_exit": {"code": -9, "description": "killed by SIGKILL", "at": datetime.now(UTC).isoformat()}}
    _write_state(tmp_path, referrals=UP, scheduling=restarting)
    text, code = status.render(tmp_path)
    assert code == 1
    assert "referrals      up" in text
    assert "scheduling     DOWN, restarting" in text and "next attempt in 30 s" in text
    assert "restarted 3 times" in text and "killed by SIGKILL" in text
    assert "1 of 2 not up" in text

    _write_state(tmp_path, referrals=UP, scheduling={**UP, "healthy": False})
    text, code = status.render(tmp_path)
    assert code == 1 and "scheduling     up, health failing" in text

    _write_state(tmp_path, referrals=UP, scheduling=UP)
    text, code = status.render(tmp_path)
    assert code == 0 and "All 2 up." in text

    monkeypatch.setattr(status, "_supervisor_running", lambda pid: False)
    text, code = status.render(tmp_path)
    assert code == 1 and "is not running" in text


def test_a_pid_is_ours_only_when_its_command_line_says_so():
    assert is_service(["/v/bin/python", "-m", "scheduling"], "scheduling")
    assert not is_service(["/v/bin/python", "-m", "scheduling_other"], "scheduling")
    assert not is_service(["/v/bin/python", "scheduling"], "scheduling")
    # A service forked by the fork server names itself in one string (setproctitle); the server is none.
    assert is_service(["/v/bin/python -m scheduling"], "scheduling")
    assert not is_service(["/v/bin/python", "-m", "safeguard_cli.forkserver"], "scheduling")
    conf = Path("/data/var/nats/nats.conf")
    assert is_nats(["/v/bin/nats-server", "-c", str(conf)], conf)
    assert not is_nats(["/v/bin/nats-server", "-c", "/other/nats.conf"], conf)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")
def test_the_holder_of_a_port_is_found_and_children_can_ask_for_a_parent_death_signal():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        holder = port_holder(sock.getsockname()[1])
    assert holder is not None and holder[0] == os.getpid()
    assert callable(die_with_parent())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_pid_file_naming_someone_elses_process_ends_nothing(tmp_path):
    import subprocess

    from safeguard_cli.lifecycle import end_previous_stack

    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run = tmp_path / "run"
        run.mkdir()
        (run / "referrals.pid").write_text(str(stranger.pid))  # a pid the kernel gave to someone else since
        (run / "nats.pid").write_text(str(stranger.pid))
        said: list[str] = []
        assert end_previous_stack(run, ["referrals"], tmp_path / "nats" / "nats.conf", said.append) == []
        assert stranger.poll() is None, "a process that is not the stack's is left alone"
        assert not list(run.glob("*.pid")) and said == []
    finally:
        stranger.kill()
        stranger.wait()


def test_the_notifications_service_is_told_where_the_services_it_asks_as_it_sends_listen():
    from safeguard_cli.supervisor import notifications_env

    ports = {"referrals": 9101, "audits": 9104, "notifications": 9103}
    env = notifications_env({"NOTIFICATIONS_PORT": "9103"}, ports)
    assert env["NOTIFICATIONS_REFERRALS_URL"] == "http://127.0.0.1:9101"
    assert env["NOTIFICATIONS_AUDITS_URL"] == "http://127.0.0.1:9104"
    # A partnership's own setting is kept.
    kept = notifications_env({"NOTIFICATIONS_REFERRALS_URL": "https://referrals.internal"}, ports)
    assert kept["NOTIFICATIONS_REFERRALS_URL"] == "https://referrals.internal"
