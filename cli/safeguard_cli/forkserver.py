"""The services of the embedded stack forked from one process that has already imported what they share.

Each service is a Python process of about 75 MB, and most of that is the same libraries in each: FastAPI
and pydantic, SQLAlchemy, FastStream and nats-py, PyJWT and cryptography, Jinja2, Babel, holidays. Started
one by one (``python -m referrals``), every process loads its own copy. Forked from a process that loaded
them once, the six share those pages until one of them writes to a page (copy-on-write), and the stack
holds them once (bench/idle_memory.py; docs/observability.md). This is what gunicorn's ``--preload`` and
multiprocessing's forkserver do; neither fits here (the supervisor watches and restarts each service as
its own child, with its own environment and log).

How one service starts:

1. ``safeguard up`` starts this module (``python -m safeguard_cli.forkserver``) once. It imports the
   shared libraries and ``safeguard_shared``, never a service's own package (a service restarted after a
   crash is then its code as it is now, not as it was at start), freezes what it imported out of the
   garbage collector's reach (``gc.freeze``: a collection would otherwise write to every object's header
   and copy every page), and waits for requests on its stdin, one JSON line each.
2. For a request it forks twice: the middle process forks the service and exits at once, so the service
   is orphaned and the kernel hands it to the supervisor, which made itself a child subreaper
   (``PR_SET_CHILD_SUBREAPER``). The service is then the supervisor's own child: it waits for it, reads
   its exit status and restarts it exactly as it does a process it started itself.
3. The service starts a session of its own, writes to its log, takes the environment it was given, asks
   for SIGTERM when the supervisor dies (once it is the supervisor's child, not before), names itself
   ``python -m <service>`` (in ``ps``, and for ``safeguard up``'s check of a pid file), and runs the
   service's ``__main__``.

Nothing here is used outside the embedded default: the images start each service on its own.
"""
from __future__ import annotations

import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from .lifecycle import die_with_parent

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

# What every service imports at start, and the larger libraries some of them do: loaded once, here.
PRELOAD = (
    "safeguard_shared.service", "safeguard_shared.access_log.http", "safeguard_shared.service_caller",
    "safeguard_shared.params", "safeguard_shared.types",
    "fastapi.staticfiles", "jinja2", "babel.dates", "babel.numbers", "dateutil.relativedelta", "holidays",
    "yaml", "aiosmtplib", "email.policy", "httpx", "statistics",
    "authlib.oauth2", "authlib.oidc.core", "authlib.oidc.core.grants", "authlib.oauth2.rfc7636",
)


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


# --- the supervisor's side --------------------------------------------------------------------------

def become_subreaper() -> bool:
    """Orphaned descendants of this process become its children (Linux 3.4 and later)."""
    return sys.platform.startswith("linux") and _prctl(PR_SET_CHILD_SUBREAPER, 1)


class Forked:
    """A service forked by the fork server, now a child of this process: what ``subprocess.Popen``
    offers the supervisor (pid, poll, wait, terminate, kill, returncode)."""

    def __init__(self, pid: int, args: list[str]):
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: gone, its status unknown
                self.returncode = -signal.SIGKILL
                return self.returncode
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """The supervisor's handle on the fork server: started at first use, started again if it died."""

    def __init__(self, log_file: Path, env: dict[str, str], pid_file: Path | None = None):
        self.log_file = log_file
        self.env = env
        self.pid_file = pid_file  # for an operator, and bench/idle_memory.py, to find it
        self.process: subprocess.Popen[bytes] | None = None

    def _ensure_running(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_file, "ab") as log:
                self.process = subprocess.Popen([sys.executable, "-m", "safeguard_cli.forkserver"], env=self.env,
                                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                                start_new_session=True, preexec_fn=die_with_parent())
            if self.pid_file is not None:
                self.pid_file.write_text(str(self.process.pid))
        return self.process

    def spawn(self, module: str, env: dict[str, str], log_file: Path, timeout: float = 60.0) -> Forked:
        """``python -m <module>`` with this environment, writing to this log, as a child of this process.
        Raises OSError when the fork server cannot start it (the caller then starts it on its own)."""
        server = self._ensure_running()
        assert server.stdin is not None and server.stdout is not None
        request = {"module": module, "env": env, "log": str(log_file), "supervisor": os.getpid()}
        try:
            server.stdin.write(json.dumps(request).encode() + b"\n")
            server.stdin.flush()
            answer = _read_line(server.stdout, timeout)
        except (OSError, ValueError) as exc:
            self.stop()
            raise OSError(f"the fork server did not answer: {exc}") from exc
        if "pid" not in answer:
            raise OSError(f"the fork server could not start {module}: {answer.get('error')}")
        return Forked(int(answer["pid"]), [sys.executable, "-m", module])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)


def _read_line(stream: IO[bytes], timeout: float) -> dict[str, Any]:
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise ValueError(f"no answer within {timeout:.0f} s")
    line = stream.readline()
    if not line:
        raise ValueError("it exited")
    answer: dict[str, Any] = json.loads(line)
    return answer


# --- the fork server's side -------------------------------------------------------------------------

def serve() -> None:
    import gc
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError as exc:  # an optional library missing costs memory, nothing else
            print(f"forkserver: {name} not preloaded: {exc}", file=sys.stderr, flush=True)
    gc.collect()
    gc.freeze()
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    for line in requests:
        try:
            request = json.loads(line)
            pid = _fork_service(request)
            answer: dict[str, Any] = {"pid": pid}
        except Exception as exc:  # noqa: BLE001 - said to the supervisor, which starts the service itself
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer).encode() + b"\n")
        answers.flush()


def _fork_service(request: dict[str, Any]) -> int:
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    middle = os.fork()
    if middle == 0:  # the middle process: fork the service, say its pid, exit so it is orphaned
        try:
            os.close(read_end)
            service = os.fork()
            if service == 0:
                os.close(write_end)
                _become_service(request)  # never returns
            os.write(write_end, str(service).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        told = os.read(read_end, 32)
    finally:
        os.close(read_end)
        os.waitpid(middle, 0)  # gone: the service is now the supervisor's child
    if not told:
        raise OSError("the service's process was not forked")
    return int(told)


def _become_service(request: dict[str, Any]) -> None:
    code: int = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the fork server ignores it; a service does not
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        _wait_to_be_adopted(int(request["supervisor"]))
        module = request["module"]
        _name_process(module)  # before the environment changes: setproctitle finds its room by it
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        sys.argv = [module]
        import runpy

        runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - said in the service's log, as an interpreter would
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _wait_to_be_adopted(supervisor: int) -> None:
    """Wait until the middle process has gone and the supervisor is the parent, then ask for SIGTERM
    when it dies (asked for earlier, the middle process's exit would send it at once)."""
    deadline = time.monotonic() + 10.0
    while os.getppid() != supervisor:
        if time.monotonic() > deadline:  # not adopted: the supervisor is no subreaper, or has gone
            os._exit(1)
        time.sleep(0.001)
    if sys.platform.startswith("linux"):
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != supervisor:  # it died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)


def _name_process(module: str) -> None:
    """``python -m <module>``, as if started so: in ``ps``, and for the check of a pid file a previous
    stack left (lifecycle.is_service)."""
    try:
        from setproctitle import setproctitle
    except ImportError:
        return
    setproctitle(f"{sys.executable} -m {module}")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the supervisor, which stops the stack
    serve()
