"""The supervisor of ``safeguard up`` under faults, with real processes: a service or NATS killed
with kill -9, a service that keeps crashing, the supervisor itself killed or hung up on, and a new
start on a data folder a previous stack still occupies.

Every wait is on the condition itself, with a generous bound; the back-off is made small through
``SAFEGUARD_RESTART_*`` so the tests stay fast. They start the embedded default whatever NATS_URL
says, so they live here, run once by CI, rather than in tests/e2e, which CI runs twice.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from safeguard_cli.lifecycle import alive, cmdline, is_service
from safeguard_cli.nats_server import EmbeddedNats
from safeguard_cli.supervisor import SERVICES, service_env
from safeguard_testing.apps import example_child_referral
from safeguard_testing.ports import free_port

pytestmark = pytest.mark.e2e

# The example child referral of docs/architecture.md (safeguard_testing), with a reference of its own.
REFERRAL = example_child_referral(child={"reference": "C-SUPERVISOR-1"})
FAST_BACKOFF = {"SAFEGUARD_RESTART_FIRST_DELAY": "0.2", "SAFEGUARD_RESTART_MAX_DELAY": "1.6",
                "SAFEGUARD_RESTART_RESET_AFTER": "300"}


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _poll(fn, timeout: float):
    deadline = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(0.1)
        value = fn()
    return value


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class Stack:
    def __init__(self, tmp_path: Path, data_dir: Path | None = None, extra_env: dict[str, str] | None = None):
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("NATS_URL", "SAFEGUARD_BUS_NAMESPACE", "AUTH_JWKS_URL", "AUTH_PUBLIC_KEY_FILE")
                    and not k.endswith("_DATABASE_URL")}
        self.ports = {name: free_port() for name in SERVICES}
        for name, port in self.ports.items():
            self.env[f"{name.upper()}_PORT"] = str(port)
        self.env.update(FAST_BACKOFF)
        self.env.update(extra_env or {})
        self.nats_port = free_port()
        self.data_dir = data_dir or tmp_path / "var"
        self.out_file = tmp_path / f"up-{time.monotonic_ns()}.out"
        self.proc: subprocess.Popen[str] | None = None

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self) -> Stack:
        out = open(self.out_file, "w")  # noqa: SIM115 - the stack writes to it until it is stopped
        self.proc = subprocess.Popen([_bin("safeguard"), "up", "--data-dir", str(self.data_dir), "--today",
                                      "2026-12-21", "--nats-port", str(self.nats_port)], env=self.env,
                                     stdout=out, stderr=subprocess.STDOUT, text=True)
        if not _poll(lambda: "Press Ctrl-C to stop." in self.out() or self.proc.poll() is not None, 120) \
                or self.proc.poll() is not None:
            pytest.fail(f"safeguard up did not start:\n{self.out()}")
        return self

    def out(self) -> str:
        return self.out_file.read_text()

    def pids(self) -> dict[str, int]:
        run = self.data_dir / "run"
        return {f.stem: int(f.read_text()) for f in run.glob("*.pid") if f.read_text().strip()}

    def state(self) -> dict:
        return json.loads((self.data_dir / "run" / "stack.json").read_text())

    def status(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([_bin("safeguard"), "status", "--data-dir", str(self.data_dir)], env=self.env,
                              capture_output=True, text=True, timeout=30)

    def token(self, agency: str, *roles: str) -> str:
        args = [_bin("safeguard"), "token", "--data-dir", str(self.data_dir), "--agency", agency]
        for role in roles:
            args += ["--role", role]
        return subprocess.run(args, check=True, capture_output=True, text=True, env=self.env).stdout.strip()

    def stop(self) -> None:
        pids = self.pids() if (self.data_dir / "run").exists() else {}
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in pids.values():  # nothing this test started outlives it
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def stacks(tmp_path):
    started: list[Stack] = []

    def make(**kwargs) -> Stack:
        stack = Stack(tmp_path, **kwargs)
        started.append(stack)
        return stack

    yield make
    for stack in started:
        stack.stop()


def test_a_service_killed_with_kill_9_is_restarted_and_serves_again_while_the_others_stay_up(stacks):
    stack = stacks().start()
    before = stack.pids()
    others = [name for name in SERVICES if name != "scheduling"]
    os.kill(before["scheduling"], signal.SIGKILL)
    killed = time.monotonic()
    unanswered = []

    def scheduling_serves_again() -> bool:
        unanswered.extend(name for name in others if not _healthy(stack.url(name)))
        return _healthy(stack.url("scheduling"))

    assert _poll(scheduling_serves_again, 60), stack.out()
    print(f"scheduling served again {time.monotonic() - killed:.1f}s after kill -9")
    assert unanswered == [], "the other services kept answering /health"
    after = stack.pids()
    assert after["scheduling"] != before["scheduling"]
    assert {n: after[n] for n in [*others, "nats"]} == {n: before[n] for n in [*others, "nats"]}
    out = stack.out()
    assert "!! scheduling stopped unexpectedly (killed by SIGKILL)" in out
    assert re.search(r"!! restarting scheduling in 0\.2 s \(at [\d:]+; failure 1 in a row\); "
                     r"the other services keep running", out), out
    assert _poll(lambda: stack.state()["components"]["scheduling"]["status"] == "up", 10)
    scheduling = stack.state()["components"]["scheduling"]
    assert scheduling["restarts"] == 1 and scheduling["last_exit"]["code"] == -signal.SIGKILL
    status = stack.status()
    assert status.returncode == 0, status.stdout
    # the services and NATS
    assert f"All {len(SERVICES) + 1} up." in status.stdout and "restarted 1 time" in status.stdout


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _shared_mb(pid: int) -> float:
    """What of the process's memory it shares with others (/proc/<pid>/smaps_rollup)."""
    rows = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return sum(int(rows[k].split()[0]) for k in ("Shared_Clean", "Shared_Dirty")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper, as on Linux")
def test_the_services_are_forked_from_one_fork_server_and_stay_the_supervisors_children(stacks):
    """The services share the libraries the fork server loaded (forkserver.py), and the supervisor still
    watches each as its own child: killed, one is restarted, forked again; the fork server killed, it is
    started again at the next restart."""
    stack = stacks().start()
    pids = stack.pids()
    supervisor, forks = stack.proc.pid, pids["forkserver"]
    for name in SERVICES:
        assert _parent(pids[name]) == supervisor, f"{name} is the supervisor's child"
        # Named as if started on its own: in ps, and for the check of a pid file a stale stack left.
        assert is_service(cmdline(pids[name]) or [], name), cmdline(pids[name])
        assert _shared_mb(pids[name]) > 40, f"{name} shares the fork server's libraries"
    assert _parent(forks) == supervisor

    os.kill(forks, signal.SIGKILL)
    os.kill(pids["audits"], signal.SIGKILL)
    assert _poll(lambda: stack.pids().get("audits") not in (None, pids["audits"]) and _healthy(stack.url("audits")),
                 90), stack.out()
    again = stack.pids()
    assert again["forkserver"] != forks and alive(again["forkserver"])
    assert _parent(again["audits"]) == supervisor
    assert _shared_mb(again["audits"]) > 40
    assert "not forked" not in (stack.data_dir / "logs" / "audits.log").read_text()
    assert {n: again[n] for n in SERVICES if n != "audits"} == {n: pids[n] for n in SERVICES if n != "audits"}


def test_a_service_that_keeps_crashing_is_restarted_with_growing_delays_and_the_others_keep_serving(stacks):
    # scheduling cannot open its store, so it exits at every start: it crashed while starting.
    stack = stacks(extra_env={"SCHEDULING_DATABASE_URL": "sqlite+aiosqlite:////nonexistent/scheduling.sqlite3",
                              "SAFEGUARD_RESTART_MAX_DELAY": "0.8"})
    stack.start()
    assert "!! scheduling is not up yet" in stack.out()

    def delays() -> list[float]:
        return [float(d) for d in re.findall(r"!! restarting scheduling in ([\d.]+) s", stack.out())]

    assert _poll(lambda: len(delays()) >= 4, 120), stack.out()
    assert delays()[:4] == [0.2, 0.4, 0.8, 0.8], "doubling from the first delay up to the cap"
    assert "!! scheduling exited while starting (exit code 3)" in stack.out()
    assert "unable to open database file" in stack.out(), "the end of its log is shown"
    for name in SERVICES:
        if name != "scheduling":
            assert _healthy(stack.url(name)), f"{name} keeps serving"
    state = stack.state()
    assert state["state"] == "degraded"
    assert state["components"]["scheduling"]["restarts"] >= 3
    status = stack.status()
    assert status.returncode == 1
    down = r"scheduling +DOWN, (restarting +http\S+ +next attempt (in|due now)|starting again)"
    assert re.search(down, status.stdout), status.stdout
    assert f"1 of {len(SERVICES) + 1} not up" in status.stdout
    assert stack.proc.poll() is None, "the supervisor never gives up"


def test_nats_killed_with_kill_9_is_restarted_and_a_referral_posted_after_reaches_scheduling(stacks):
    stack = stacks().start()
    referrer = stack.token("police", "referrer")
    reader = {"Authorization": f"Bearer {stack.token('partnership', 'business_unit', 'reporting_reader')}"}
    before = stack.pids()
    os.kill(before["nats"], signal.SIGKILL)
    killed = time.monotonic()
    assert _poll(lambda: "ok nats is up again" in stack.out(), 60), stack.out()
    assert "!! nats stopped unexpectedly (killed by SIGKILL)" in stack.out()
    assert "the services keep running and reconnect when it is back" in stack.out()
    assert stack.pids()["nats"] != before["nats"]
    assert {n: stack.pids()[n] for n in SERVICES} == {n: before[n] for n in SERVICES}, "no service restarted"

    def posted():
        try:
            response = httpx.post(f"{stack.url('referrals')}/v1/referrals/child", json=REFERRAL, timeout=5,
                                  headers={"Authorization": f"Bearer {referrer}"})
        except httpx.HTTPError:
            return None
        return response.json()["case_id"] if response.status_code == 201 else None

    case_id = _poll(posted, 60)
    assert case_id

    def scheduled():
        rows = httpx.get(f"{stack.url('scheduling')}/v1/deadlines?case_id={case_id}", headers=reader,
                         timeout=5).json()
        return [r for r in rows if r["key"] == "rr.complete"]

    assert _poll(scheduled, 90), "scheduling heard of the case through the restarted NATS"
    print(f"a referral posted after NATS was killed reached scheduling {time.monotonic() - killed:.1f}s after the kill")


def test_kill_9_of_the_supervisor_leaves_no_child_running(stacks):
    stack = stacks().start()
    children = {name: pid for name, pid in stack.pids().items() if name != "supervisor"}
    # The fork server the services were forked from (forkserver.py) goes with them.
    assert set(children) == {"nats", "forkserver", *SERVICES}
    stack.proc.kill()
    stack.proc.wait()
    killed = time.monotonic()
    assert _poll(lambda: not any(alive(pid) for pid in children.values()), 60), \
        f"still running: {[n for n, p in children.items() if alive(p)]}"
    print(f"every child had gone {time.monotonic() - killed:.1f}s after kill -9 of the supervisor")
    status = stack.status()
    assert status.returncode == 1 and "is not running" in status.stdout


def test_sighup_stops_the_stack_cleanly(stacks):
    stack = stacks().start()
    children = {name: pid for name, pid in stack.pids().items() if name != "supervisor"}
    # While it runs, a second `safeguard up` on its data folder refuses, saying why, and ends nothing.
    second = subprocess.run([_bin("safeguard"), "up", "--data-dir", str(stack.data_dir), "--nats-port",
                             str(free_port())], env=stack.env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert f"another `safeguard up` (pid {stack.proc.pid}) is running on this data folder" in second.stderr
    assert stack.pids() == {**children, "supervisor": stack.proc.pid}
    stack.proc.send_signal(signal.SIGHUP)
    assert stack.proc.wait(timeout=60) == 0
    assert "Stopped." in stack.out()
    assert not any(alive(pid) for pid in children.values())
    assert stack.state()["state"] == "stopped"
    assert not list((stack.data_dir / "run").glob("*.pid"))
    status = stack.status()
    assert status.returncode == 1 and "was stopped" in status.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal as on Linux")
def test_closing_its_terminal_stops_the_stack_cleanly(stacks):
    import pty

    stack = stacks()
    pid, terminal = pty.fork()
    if pid == 0:  # the child: `safeguard up` in a terminal of its own, as a person would run it
        try:
            os.execve(_bin("safeguard"), ["safeguard", "up", "--data-dir", str(stack.data_dir), "--nats-port",
                                          str(stack.nats_port)], stack.env)
        finally:
            os._exit(127)
    screen = b""
    deadline = time.monotonic() + 120
    try:
        while b"Press Ctrl-C to stop." not in screen and time.monotonic() < deadline:
            screen += os.read(terminal, 65536)
    except OSError:
        pass
    assert b"Press Ctrl-C to stop." in screen, screen.decode(errors="replace")
    children = {name: p for name, p in stack.pids().items() if name != "supervisor"}
    os.close(terminal)  # the terminal window is closed: the kernel hangs up on the session
    _, wait_status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(wait_status) == 0
    assert not any(alive(p) for p in children.values())
    assert stack.state()["state"] == "stopped"


def test_a_second_up_on_a_data_folder_with_a_stale_stack_ends_it_and_starts(stacks, tmp_path):
    from safeguard_shared.auth import LocalIssuer

    stack = stacks()
    data_dir, run = stack.data_dir, stack.data_dir / "run"
    run.mkdir(parents=True)
    issuer = LocalIssuer(data_dir / "issuer")
    issuer.ensure_keys()
    # What an older `safeguard up`, killed with kill -9, left behind: its NATS and a service, both
    # serving, their pid files, and the pid file of a supervisor that is gone.
    old_nats = EmbeddedNats(data_dir / "nats", port=stack.nats_port)
    old_nats.start()
    (run / "nats.pid").write_text(str(old_nats.process.pid))
    env = service_env("referrals", stack.env, data_dir=data_dir, nats_url=old_nats.url, today="2026-12-21",
                      public_key=issuer.public_key_file)
    (data_dir / "logs").mkdir()
    with open(data_dir / "logs" / "referrals.log", "ab") as log:
        old_referrals = subprocess.Popen([sys.executable, "-m", "referrals"], env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
    (run / "referrals.pid").write_text(str(old_referrals.pid))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (run / "supervisor.pid").write_text(str(gone.pid))
    try:
        assert _poll(lambda: _healthy(stack.url("referrals")), 60), "the stale referrals holds its port"
        stack.start()
        out = stack.out()
        assert "Ending what a previous `safeguard up` of this data folder left running" in out, out
        assert f"referrals (pid {old_referrals.pid})" in out and f"nats (pid {old_nats.process.pid})" in out
        assert old_referrals.wait(timeout=30) is not None and old_nats.process.wait(timeout=30) is not None
        for name in SERVICES:
            assert _healthy(stack.url(name)), name
        assert stack.pids()["referrals"] != old_referrals.pid
    finally:
        for proc in (old_referrals, old_nats.process):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_a_port_held_by_something_else_is_named_plainly(stacks):
    stack = stacks()
    port = stack.ports["referrals"]
    holder = subprocess.Popen([sys.executable, "-c", "import socket, sys, time\n"
                               f"s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen()\n"
                               "print('listening', flush=True); time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "listening"
        up = subprocess.run([_bin("safeguard"), "up", "--data-dir", str(stack.data_dir), "--nats-port",
                             str(stack.nats_port)], env=stack.env, capture_output=True, text=True, timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert up.returncode == 1
    assert f"port {port} (referrals) is held by another process: pid {holder.pid}" in up.stderr, up.stderr
    assert "Traceback" not in up.stderr + up.stdout
    assert not list((stack.data_dir / "run").glob("*.pid")), "nothing was started"
