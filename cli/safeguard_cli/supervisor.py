"""Runs the services as separate processes and watches them.

A service that dies is reported with the end of its log and restarted (a few times); one that keeps
dying stops the whole stack, loudly, rather than leaving a partnership with a silent gap.
"""
from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

# The workspace first: `safeguard up` prints the reporting dashboard as the last one's URL.
SERVICES = {"workspace": 8100, "referrals": 8101, "scheduling": 8102, "notifications": 8103, "audits": 8104,
            "reporting": 8105}
MAX_RESTARTS = 3


@dataclass
class ServiceProcess:
    name: str
    port: int
    log_file: Path
    env: dict[str, str]
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.log_file.parent.parent / "run" / f"{self.name}.pid"

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:  # the child holds its own handle
            self.process = subprocess.Popen([sys.executable, "-m", self.name], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        # Operators (and the end-to-end test) find each process here.
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(str(self.process.pid))

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
        self.pid_file.unlink(missing_ok=True)

    def wait_stopped(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


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


class Supervisor:
    def __init__(self, processes: list[ServiceProcess], out: TextIO = sys.stdout):
        self.processes = processes
        self.out = out

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def start_all(self, timeout: float = 90.0) -> None:
        for proc in self.processes:
            proc.start()
        deadline = time.monotonic() + timeout
        pending = {p.name for p in self.processes}
        while pending and time.monotonic() < deadline:
            for proc in self.processes:
                if proc.name not in pending:
                    continue
                if not proc.alive():
                    code = proc.process.returncode if proc.process else None
                    raise RuntimeError(f"{proc.name} exited while starting (code {code}):\n"
                                       f"{proc.log_tail()}")
                if proc.healthy():
                    pending.discard(proc.name)
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not healthy after {timeout:.0f}s: {', '.join(sorted(pending))}")

    def watch_once(self) -> bool:
        """Check every process once; restart the dead. False when one died too often."""
        for proc in self.processes:
            if proc.alive():
                continue
            code = proc.process.returncode if proc.process else None
            self.say(f"!! {proc.name} stopped unexpectedly (exit code {code}). Last lines of {proc.log_file}:")
            self.say(proc.log_tail())
            now = time.monotonic()
            proc.restarts = [t for t in proc.restarts if now - t < 300] + [now]
            if len(proc.restarts) > MAX_RESTARTS:
                self.say(f"!! {proc.name} died {len(proc.restarts)} times in five minutes; stopping everything.")
                return False
            self.say(f"   restarting {proc.name} (restart {len(proc.restarts)} of {MAX_RESTARTS})")
            proc.start()
        return True

    def stop_all(self, timeout: float = 15.0) -> None:
        for proc in self.processes:
            proc.stop()
        for proc in self.processes:
            proc.wait_stopped(timeout)

