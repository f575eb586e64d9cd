"""Runs NATS (when embedded) and the services as separate processes, and keeps them running.

A process that dies is reported (which one, its exit code, the end of its log, when it will be
started again) and restarted after a back-off that doubles from 1 s to at most 60 s, and starts
again from 1 s once the process has stayed up for a minute. The supervisor never gives up and never
stops the others for one. Its view of the stack is kept in ``<data-dir>/run/stack.json`` for
``safeguard status``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from .forkserver import ForkServer
from .lifecycle import describe_port_holder, die_with_parent, port_holder
from .nats_server import EmbeddedNats

# The workspace first: `safeguard up` prints the reporting dashboard as the last one's URL.
SERVICES = {"workspace": 8100, "referrals": 8101, "scheduling": 8102, "notifications": 8103, "audits": 8104,
            "reporting": 8105}


def _env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Backoff:
    """Delays between restarts: ``first`` doubling to ``cap``; forgotten after ``reset_after`` s up."""

    first: float = 1.0
    cap: float = 60.0
    reset_after: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.cap, self.first * 2 ** max(0, failures - 1)))

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Backoff:
        # Tests make these small; operators rarely need to.
        return cls(first=_env_seconds(env, "SAFEGUARD_RESTART_FIRST_DELAY", cls.first),
                   cap=_env_seconds(env, "SAFEGUARD_RESTART_MAX_DELAY", cls.cap),
                   reset_after=_env_seconds(env, "SAFEGUARD_RESTART_RESET_AFTER", cls.reset_after))


class Running(Protocol):
    """A started process as the supervisor sees it: ``subprocess.Popen``, or a service the fork server
    made a child of this process (forkserver.Forked)."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


class Child:
    """One supervised process: NATS or a service."""

    name: str
    port: int
    host: str
    log_file: Path
    pid_file: Path
    process: Running | None = None

    @property
    def url(self) -> str:
        raise NotImplementedError

    def spawn(self) -> None:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.spawn()
        # Operators (and `safeguard up` after a crash of its own) find each process here.
        assert self.process is not None
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(str(self.process.pid))

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.process.returncode if self.process is not None else None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self, timeout: float) -> None:
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.pid_file.unlink(missing_ok=True)

    def log_tail(self, lines: int = 15, width: int = 400) -> str:
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except FileNotFoundError:
            return "(no log)"
        # A traceback logged as one JSON line would fill the terminal: its end says what went wrong.
        return "\n".join(line if len(line) <= width else "…" + line[-width:] for line in tail)


class ServiceProcess(Child):
    def __init__(self, name: str, port: int, log_file: Path, env: dict[str, str], host: str = "127.0.0.1",
                 forks: ForkServer | None = None):
        self.name = name
        # Given one, the service is forked from it, sharing the libraries it loaded (forkserver.py).
        self.forks = forks
        self.port = port
        self.log_file = log_file
        self.env = env
        self.host = host
        self.pid_file = log_file.parent.parent / "run" / f"{name}.pid"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def spawn(self) -> None:
        if self.forks is not None:
            try:
                self.process = self.forks.spawn(self.name, self.env, self.log_file)
                return
            except OSError as exc:  # started on its own instead: it costs memory, not the service
                with open(self.log_file, "a") as note:
                    note.write(f"safeguard up: not forked ({exc}); started on its own\n")
        with open(self.log_file, "ab") as log:  # the child holds its own handle
            self.process = subprocess.Popen([sys.executable, "-m", self.name], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=die_with_parent())

    def ready(self) -> bool:
        # The standard library's client: httpx, with the command-line client it loads when it can, was
        # 18 MB of the supervisor's memory, for one GET.
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=1.0) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def migrate(self) -> subprocess.Popen[bytes]:
        """Migrate this service's store in a short-lived process of its own, so the service, finding
        its store up to date, never loads Alembic (about 10 MB of each process that does)."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "safeguard_shared.db.migrate", self.name], env=self.env,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=die_with_parent())


def migrate_stores(services: Sequence[ServiceProcess], say: Callable[[str], None], timeout: float = 120.0) -> None:
    """Every service's store migrated before the services start, all at once. One that fails is said
    and left to the service, which migrates a store it finds behind as it starts (and says why not)."""
    running = [(service, service.migrate()) for service in services]
    deadline = time.monotonic() + timeout
    for service, process in running:
        try:
            code: int | None = process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        if code != 0:
            say(f"!! {service.name}'s store was not migrated before it started ({describe_exit(code)}); "
                f"it will try as it starts (log: {service.log_file})")


class NatsProcess(Child):
    """The embedded nats-server: restarted on the same port with the same store."""

    def __init__(self, server: EmbeddedNats, run_dir: Path):
        self.server = server
        self.name = "nats"
        self.port = server.port
        self.host = server.host
        self.log_file = server.log_file
        self.pid_file = run_dir / "nats.pid"

    @property
    def url(self) -> str:
        return self.server.url

    def spawn(self) -> None:
        self.server.spawn()
        self.process = self.server.process

    def ready(self) -> bool:
        return self.server.listening()


def service_env(name: str, base: Mapping[str, str], *, data_dir: Path, nats_url: str, today: str | None,
                public_key: Path | None) -> dict[str, str]:
    env = dict(base)
    env["SAFEGUARD_DATA_DIR"] = str(data_dir)
    env["NATS_URL"] = nats_url
    if today:
        env["SAFEGUARD_TODAY"] = today
    if public_key and not env.get("AUTH_JWKS_URL"):
        env["AUTH_PUBLIC_KEY_FILE"] = str(public_key)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def workspace_env(env: dict[str, str], ports: dict[str, int]) -> dict[str, str]:
    """The workspace's pages call the other services' APIs: tell it where they listen."""
    env = dict(env)
    for name, port in ports.items():
        if name != "workspace":
            env.setdefault(f"WORKSPACE_{name.upper()}_URL", f"http://127.0.0.1:{port}")
    return env


def notifications_env(env: dict[str, str], ports: dict[str, int]) -> dict[str, str]:
    """The notifications service asks two services, as it sends, for what it never keeps: the audits
    service for a survey's recipient, the referrals service for a rapid review template's free text.
    Tell it where they listen in this stack (no token: they answer a caller on this machine), and where
    people reach the workspace's pages, which its messages link to (its public address when one is set)."""
    env = dict(env)
    for name in ("audits", "referrals"):
        if name in ports:
            env.setdefault(f"NOTIFICATIONS_{name.upper()}_URL", f"http://127.0.0.1:{ports[name]}")
    if "workspace" in ports:
        env.setdefault("NOTIFICATIONS_WORKSPACE_URL",
                       env.get("WORKSPACE_PUBLIC_URL") or f"http://127.0.0.1:{ports['workspace']}")
    return env


def describe_exit(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _iso(wall: float | None) -> str | None:
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="seconds") if wall else None


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 or value == int(value) else f"{value:.1f} s"


@dataclass
class Watch:
    """What the supervisor knows of one child."""

    child: Child
    status: str = "stopped"  # starting, up, restarting, stopped
    restarts: int = 0
    failures: int = 0  # since it was last up for the back-off's reset_after
    started_at: float = 0.0  # monotonic
    up_since: float | None = None  # monotonic
    down_since: float | None = None  # monotonic
    next_attempt: float | None = None  # monotonic
    last_exit_code: int | None = None
    last_exit_at: float | None = None  # wall clock
    slow_reported: bool = False
    stranger_reported: bool = False
    healthy: bool = False  # up and answering: /health 200 for a service, the port for NATS
    checked_at: float = 0.0  # monotonic


class Supervisor:
    def __init__(self, processes: Sequence[Child], out: TextIO = sys.stdout, *,
                 nats: NatsProcess | None = None, backoff: Backoff | None = None,
                 state_file: Path | None = None, start_timeout: float = 90.0, health_interval: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.processes = processes
        self.nats = nats
        self.out = out
        self.backoff = backoff or Backoff.from_env()
        self.state_file = state_file
        self.start_timeout = start_timeout
        self.clock = clock
        self.health_interval = health_interval or _env_seconds(os.environ, "SAFEGUARD_HEALTH_INTERVAL", 5.0)
        self.watches = ([Watch(nats)] if nats else []) + [Watch(p) for p in processes]
        self.state = "starting"
        self.started_at = time.time()

    def say(self, text: str) -> None:
        try:
            print(text, file=self.out, flush=True)
        except OSError:  # the terminal has gone (SIGHUP follows); the stack still stops cleanly
            pass

    # -- starting and watching -------------------------------------------------------------------

    def _launch(self, watch: Watch, now: float) -> None:
        watch.slow_reported = watch.stranger_reported = False
        watch.started_at = now
        watch.next_attempt = None
        try:
            watch.child.start()
        except OSError as exc:
            watch.status = "restarting"
            self._failed(watch, now, f"could not be started: {exc}")
            return
        watch.status = "starting"

    def _failed(self, watch: Watch, now: float, what: str) -> None:
        child = watch.child
        watch.failures += 1
        watch.up_since = None
        watch.down_since = watch.down_since or now
        delay = self.backoff.delay(watch.failures)
        watch.next_attempt = now + delay
        watch.status = "restarting"
        others = "the other services keep running" if child.name != "nats" else \
            "the services keep running and reconnect when it is back"
        self.say(f"!! {child.name} {what}. Last lines of {child.log_file}:")
        self.say("\n".join(f"   | {line}" for line in child.log_tail().splitlines()))
        if port_holder(child.port) is not None:
            self.say(f"!! {describe_port_holder(child.port, child.name)}")
        at = time.strftime("%H:%M:%S", time.localtime(time.time() + delay))
        self.say(f"!! restarting {child.name} in {_seconds(delay)} (at {at}; failure {watch.failures} in a row); "
                 f"{others}")

    def _check(self, watch: Watch, now: float) -> bool:
        """One look at one child; True when its state changed."""
        child = watch.child
        if watch.status in ("starting", "up") and not child.alive():
            watch.last_exit_code = child.returncode
            watch.last_exit_at = time.time()
            verb = "stopped unexpectedly" if watch.status == "up" else "exited while starting"
            self._failed(watch, now, f"{verb} ({describe_exit(child.returncode)})")
            return True
        if watch.status == "restarting" and watch.next_attempt is not None and now >= watch.next_attempt:
            watch.restarts += 1
            self.say(f"-> restarting {child.name} now (restart {watch.restarts})")
            self._launch(watch, now)
            return True
        if watch.status == "starting":
            if child.ready() and not self._someone_else_answers(watch):
                watch.status = "up"
                watch.up_since = now
                watch.healthy, watch.checked_at = True, now
                if watch.down_since is not None:
                    self.say(f"ok {child.name} is up again at {child.url}, {_seconds(now - watch.down_since)} "
                             f"after it stopped (restart {watch.restarts})")
                watch.down_since = None
                return True
            if not watch.slow_reported and now - watch.started_at > self.start_timeout:
                watch.slow_reported = True
                self.say(f"!! {child.name} is running but not healthy after {_seconds(self.start_timeout)}; "
                         f"still waiting. Last lines of {child.log_file}:\n{child.log_tail()}")
            return False
        changed = False
        if watch.status == "up" and now - watch.checked_at >= self.health_interval:
            # Running is not serving: a service whose store or broker is unreachable answers 503.
            watch.checked_at = now
            healthy = child.ready()
            if healthy != watch.healthy:
                watch.healthy, changed = healthy, True
                if healthy:
                    self.say(f"ok {child.name} answers its health check again")
                elif child.name == "nats":
                    self.say(f"!! nats is running but does not accept connections on port {child.port}")
                else:
                    self.say(f"!! {child.name} is running but fails its health check at {child.url}/health "
                             "(its store or the broker unreachable?)")
        if watch.status == "up" and watch.healthy and watch.failures and watch.up_since is not None \
                and now - watch.up_since >= self.backoff.reset_after:
            watch.failures = 0
            changed = True
        return changed

    def _someone_else_answers(self, watch: Watch) -> bool:
        """Whether another process listens on the child's port: its health check answered for the child.
        A port found free as the stack started can be taken before the child listens on it (by another
        program's server, or one of a test suite's). The child then cannot listen and exits, again and
        again, while the stranger's answers made it look up (Linux: the listener is found in /proc;
        elsewhere, or when this user cannot see it, the answer is taken as the child's)."""
        holder = port_holder(watch.child.port)
        if holder is None or watch.child.pid is None or holder[0] == watch.child.pid:
            return False
        if not watch.stranger_reported:
            watch.stranger_reported = True
            (pid, args), name = holder, watch.child.name
            move = "the broker with --nats-port" if name == "nats" else f"{name} with {name.upper()}_PORT"
            self.say(f"!! {name}: another process answers on port {watch.child.port} (pid {pid}, {args}), "
                     f"so {name} cannot listen there and is not up. Stop that process, or move {move} "
                     "(see safeguard up --help).")
        return True

    def step(self) -> None:
        now = self.clock()
        changed = [self._check(watch, now) for watch in self.watches]
        state = "up" if all(w.status == "up" and w.healthy for w in self.watches) else "degraded"
        if any(changed) or state != self.state:
            self.state = state
            self.write_state()

    def start_all(self, timeout: float = 90.0, should_stop: Any = lambda: False) -> None:
        """Starts NATS, then the services; returns when each is up or has failed once, or at ``timeout``.

        Nothing here gives up: a process that fails is restarted by ``step`` like any other.
        """
        deadline = time.monotonic() + timeout
        nats_watch = self.watches[0] if self.nats else None
        if nats_watch:
            self._launch(nats_watch, self.clock())
            while nats_watch.status == "starting" and time.monotonic() < deadline and not should_stop():
                self.step()
                time.sleep(0.05)
        if should_stop():
            return
        for watch in self.watches:
            if watch is not nats_watch:
                self._launch(watch, self.clock())
        self.write_state()
        while time.monotonic() < deadline and not should_stop():
            self.step()
            if all(w.status == "up" or w.failures for w in self.watches):
                return
            time.sleep(0.2)

    def watch_once(self) -> bool:
        """One round of ``step``; kept for callers of the old interface (always True: it never gives up)."""
        self.step()
        return True

    def stop_all(self, timeout: float = 15.0) -> None:
        self.state = "stopping"
        self.write_state()
        for proc in self.processes:
            proc.stop()
        for proc in self.processes:
            proc.wait_stopped(timeout)
        if self.nats:  # last, so the services do not spend their last seconds reconnecting
            self.nats.stop()
            self.nats.wait_stopped(timeout)
        for watch in self.watches:
            watch.status = "stopped"
            watch.next_attempt = None
        self.state = "stopped"
        self.write_state()

    # -- the stack's state, for `safeguard status` -------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        now_mono, now_wall = self.clock(), time.time()
        components = {}
        for watch in self.watches:
            child = watch.child
            components[child.name] = {
                "status": watch.status,
                "healthy": watch.status == "up" and watch.healthy,
                "url": child.url,
                "pid": child.pid if child.alive() else None,
                "restarts": watch.restarts,
                "failures_in_a_row": watch.failures,
                "last_exit": ({"code": watch.last_exit_code, "description": describe_exit(watch.last_exit_code),
                               "at": _iso(watch.last_exit_at)} if watch.last_exit_at else None),
                "next_attempt": (_iso(now_wall + (watch.next_attempt - now_mono))
                                 if watch.next_attempt is not None else None),
                "up_since": (_iso(now_wall - (now_mono - watch.up_since))
                             if watch.up_since is not None and watch.status == "up" else None),
                "log": str(child.log_file),
            }
        return {"state": self.state, "supervisor_pid": os.getpid(), "started_at": _iso(self.started_at),
                "updated_at": _iso(now_wall), "components": components}

    def write_state(self) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".json.tmp")
        try:
            tmp.write_text(json.dumps(self.snapshot(), indent=2))
            os.replace(tmp, self.state_file)
        except OSError as exc:  # a full disk must not stop the supervision itself
            self.say(f"!! could not write {self.state_file}: {exc}")
