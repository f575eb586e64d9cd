"""Ports for the servers a test starts, out of the way of the ports the kernel hands out itself.

A port found with ``bind(("127.0.0.1", 0))`` comes from the kernel's ephemeral range
(``/proc/sys/net/ipv4/ip_local_port_range``, 32768-60999 on Debian). The kernel draws from the same range
for every other bind to port 0 and for the local end of every outgoing connection. In a suite of three
workers, hundreds of those are made every second: to NATS, to PostgreSQL, between services. A port
found free is then only free for now. The chaos tests kill a stack and start it again on the same ports,
so those ports are free for seconds at a time, and another worker's server or connection may take one.
Once (CI, November 2026) every read of every case in the chaos test was refused with an HTTP error for two
minutes, while the stores had every event. Something other than the stack's own service answered on its
port, and this is the likeliest way that happens.

So a test's servers take ports below the ephemeral range, where the kernel never chooses one. Each
pytest-xdist worker has a block of its own, and goes round it in turn, so a port comes back only after
the worker has used every other port in its block.
"""
from __future__ import annotations

import itertools
import os
import random
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

LOWEST = 20000  # above the well-known and registered ports most machines' own servers use
BLOCKS = 4  # pytest-xdist workers gw0..gw3; a fifth shares gw0's block


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; elsewhere a port from bind(0) is used instead, below


def _worker() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # "gw0", "gw1"...; not set without xdist
    digits = name.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def _block() -> range | None:
    size = (_ephemeral_start() - LOWEST) // BLOCKS
    if size < 100:  # a machine whose ephemeral range starts low: nothing below it to use
        return None
    first = LOWEST + (_worker() % BLOCKS) * size
    return range(first, first + size)


def _rounds(block: range) -> Iterator[int]:
    # From a random place, so that two runs of the suite at once (or a benchmark beside one) rarely meet.
    start = random.randrange(len(block))
    for i in itertools.count(start):
        yield block[i % len(block)]


_BLOCK = _block()
_NEXT = _rounds(_BLOCK) if _BLOCK is not None else None
_LOCK = threading.Lock()


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing holds now, and that the kernel will not hand to anyone else."""
    if _NEXT is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
            return port
    with _LOCK:
        for port in itertools.islice(_NEXT, len(_BLOCK or ())):
            if _bindable(port):
                return port
    raise OSError("no free port in this worker's block")
