"""Services as real processes for fault-injection tests and benches: started, stopped (SIGSTOP),
continued, killed with kill -9 and started again by the test itself, with no supervisor in the way.

Each runs ``python -m <service>`` with the environment ``safeguard up`` gives it (the broker, the bus
namespace, its own store, the local issuer's key, a fixed business date), on a free port, logging to
``<data dir>/logs/<service>.log``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

from safeguard_cli.supervisor import service_env

from .ports import free_port

T = TypeVar("T")


def poll(check: Callable[[], T], timeout: float, every: float = 0.1) -> T:
    """The first truthy answer of ``check`` within ``timeout`` seconds, else its last answer."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = check()
    return value


def own_environment(*extra: Mapping[str, str], ports: Mapping[str, int] | None = None) -> dict[str, str]:
    """This process's environment without the broker, namespace, stores and token verification a
    developer's shell (or CI) may have set: the processes started get the test's own, then ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL") and k not in
           ("NATS_URL", "SAFEGUARD_BUS_NAMESPACE", "AUTH_JWKS_URL", "AUTH_PUBLIC_KEY_FILE")}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in (ports or {}).items()})
    for values in extra:
        env.update(values)
    return env


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class ServiceProcesses:
    """The named services on one broker and namespace, each with a SQLite store in ``data_dir`` unless
    ``database_urls`` names another."""

    def __init__(self, names: Iterable[str], *, data_dir: Path, nats_url: str, namespace: str,
                 public_key: Path, today: str = "2026-12-21", database_urls: Mapping[str, str] | None = None,
                 extra_env: Mapping[str, str] | None = None):
        self.names = list(names)
        self.data_dir = Path(data_dir)
        self.ports = {name: free_port() for name in self.names}
        self.database_urls = {name: (database_urls or {}).get(name) or
                              f"sqlite+aiosqlite:///{self.data_dir / f'{name}.sqlite3'}" for name in self.names}
        base = own_environment(extra_env or {}, {"SAFEGUARD_BUS_NAMESPACE": namespace})
        self.env = {}
        for name in self.names:
            env = service_env(name, base, data_dir=self.data_dir, nats_url=nats_url, today=today,
                              public_key=public_key)
            env[f"{name.upper()}_PORT"] = str(self.ports[name])
            env[f"{name.upper()}_DATABASE_URL"] = self.database_urls[name]
            if name == "notifications":
                env.setdefault("NOTIFICATIONS_OUTBOX_DIR", str(self.data_dir / "outbox"))
            self.env[name] = env
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def sqlite_file(self, name: str) -> Path:
        return Path(self.database_urls[name].split(":///", 1)[1])

    def start(self, *names: str) -> None:
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        for name in names or self.names:
            with open(self.data_dir / "logs" / f"{name}.log", "ab") as log:  # the child keeps its own handle
                self.processes[name] = subprocess.Popen([sys.executable, "-m", name], env=self.env[name],
                                                        stdout=log, stderr=subprocess.STDOUT)

    def wait_healthy(self, *names: str, timeout: float = 90.0) -> None:
        for name in names or self.names:
            if not poll(lambda n=name: healthy(self.url(n)) or self.processes[n].poll() is not None, timeout) \
                    or self.processes[name].poll() is not None:
                raise AssertionError(f"{name} did not become healthy:\n{self.log_tail(name)}")

    def signal(self, name: str, sig: signal.Signals) -> None:
        os.kill(self.processes[name].pid, sig)

    def kill(self, name: str) -> None:
        """kill -9: no shutdown, nothing settled, whatever it held left to the broker's ack wait."""
        self.signal(name, signal.SIGKILL)
        self.processes[name].wait()

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.data_dir / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"

    def stop_all(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
                proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def get(self, name: str, path: str, token: str, **params: Any) -> Any:
        answer = httpx.get(f"{self.url(name)}{path}", params=params, timeout=10,
                           headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()
