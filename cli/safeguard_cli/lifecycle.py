"""Processes that die with their supervisor, and a previous stack found and ended from its pid files.

On Linux every child asks the kernel for a parent-death signal (``prctl(PR_SET_PDEATHSIG)``), so a
``safeguard up`` killed with ``kill -9`` takes its services and NATS with it. Whatever survives
anyway (another platform, an older version) is found at the next start from ``<data-dir>/run/*.pid``,
checked against ``/proc/<pid>/cmdline`` so a recycled pid is never ended, and stopped.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that gives the child SIGTERM when this process dies (Linux only, else None)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def _preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)

    return _preexec


def cmdline(pid: int) -> list[str] | None:
    """The process's arguments, or None when it is gone or cannot be read (not Linux)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (dead, not yet reaped by its parent) still answers kill 0.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def is_service(args: list[str], name: str) -> bool:
    # A service forked by the fork server names itself "python -m <name>" as one string (forkserver.py).
    words = [word for arg in args for word in arg.split(" ")]
    return any(a == "-m" and i + 1 < len(words) and words[i + 1] == name for i, a in enumerate(words))


def is_nats(args: list[str], config: Path) -> bool:
    return bool(args) and Path(args[0]).name == "nats-server" and str(config) in args


def is_supervisor(args: list[str]) -> bool:
    return "up" in args and any("safeguard" in a for a in args)


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def end(pids: Iterable[int], timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL whatever has not gone after ``timeout`` seconds."""
    waiting = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            waiting.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        waiting = [pid for pid in waiting if alive(pid)]
        if waiting:
            time.sleep(0.1)
    for pid in waiting:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class AnotherSupervisor(RuntimeError):
    pass


def end_previous_stack(run_dir: Path, services: Iterable[str], nats_config: Path,
                       say: Callable[[str], None]) -> list[str]:
    """Ends the processes a previous stack of this data folder left behind; names what it ended.

    Raises AnotherSupervisor when that stack's ``safeguard up`` is still running: ending its
    children would only make it restart them.
    """
    supervisor_pid = read_pid(run_dir / "supervisor.pid")
    if supervisor_pid and supervisor_pid != os.getpid() and alive(supervisor_pid):
        args = cmdline(supervisor_pid)
        if args is not None and is_supervisor(args):
            raise AnotherSupervisor(f"another `safeguard up` (pid {supervisor_pid}) is running on this data folder; "
                                    f"stop it first (Ctrl-C in its terminal, or kill {supervisor_pid})")
    found: list[tuple[str, int]] = []
    for name in [*services, "nats"]:
        pid_file = run_dir / f"{name}.pid"
        pid = read_pid(pid_file)
        if pid and pid != os.getpid() and alive(pid):
            args = cmdline(pid)
            if args is not None and (is_nats(args, nats_config) if name == "nats" else is_service(args, name)):
                found.append((name, pid))
            elif args is None:
                say(f"   {pid_file} names pid {pid}, which cannot be checked; left alone")
        pid_file.unlink(missing_ok=True)
    if found:
        say("Ending what a previous `safeguard up` of this data folder left running: "
            + ", ".join(f"{name} (pid {pid})" for name, pid in found))
        # The services first, so they do not log a lost broker; then NATS.
        end(pid for name, pid in found if name != "nats")
        end(pid for name, pid in found if name == "nats")
    return [name for name, _ in found]


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def port_holder(port: int) -> tuple[int, str] | None:
    """The pid and command line of the process listening on ``port``, when this user can see it."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(proc.name), " ".join(cmdline(int(proc.name)) or ["?"])
        except OSError:
            continue
    return None


def describe_port_holder(port: int, purpose: str) -> str:
    holder = port_holder(port)
    if holder:
        pid, args = holder
        return f"port {port} ({purpose}) is held by another process: pid {pid}, {args}"
    return f"port {port} ({purpose}) is held by a process this user cannot see (another user's, or a container's)"
