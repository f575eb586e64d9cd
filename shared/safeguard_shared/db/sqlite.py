"""A SQLite connection for the async engine that runs its statements on the event loop's own thread.

aiosqlite runs every call (a cursor, an execute, a fetch, a close: about four per statement) in a
worker thread and wakes the event loop with the answer. Each hand-over needs the GIL back, and a busy
event loop gives it up only every ``sys.getswitchinterval()`` (5 ms): a referral's two dozen calls
cost over 100 ms of waiting, on the one connection every request queues for, which bounded the
intake at about 10 referrals/s (bench/e2e_throughput.py; docs/observability.md). A SQLite statement
on a local file takes microseconds, so it runs here, inline; only what may wait runs in the worker
thread, leaving the event loop free meanwhile:

- the commit, which with ``synchronous=FULL`` waits for the disk;
- a statement that met another process's lock (the ``safeguard`` commands open the same files): it
  fails at once here, as the connection's own busy timeout is 0, and is run again in the worker
  thread, waiting up to ``LOCK_WAIT_MS`` as every statement did before. A statement that found the
  store busy changed nothing, so running it again is safe.
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.queue import AsyncAdaptedQueue

LOCK_WAIT_MS = 30_000
_SQLITE_BUSY = 5  # the primary result code; the extended codes (BUSY_SNAPSHOT …) share its low byte


class LoopThreadConnection(aiosqlite.Connection):
    """aiosqlite's connection with the calls that cannot wait run on the calling (event loop's) thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        conn = self._connection
        if not self._running or conn is None:
            raise ValueError("Connection closed")
        if fn != conn.commit:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", 0) & 0xFF != _SQLITE_BUSY:
                    raise
        return await super()._execute(_waiting_for_locks, conn, fn, args, kwargs)  # type: ignore[no-untyped-call]


def _waiting_for_locks(conn: sqlite3.Connection, fn: Callable[..., Any], args: tuple[Any, ...],
                       kwargs: dict[str, Any]) -> Any:
    # In the worker thread: SQLite's busy handler may wait here without holding up the event loop.
    conn.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    try:
        return fn(*args, **kwargs)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


def connect(database: str, **kwargs: Any) -> LoopThreadConnection:
    """The engine's ``async_creator``: the arguments SQLAlchemy would have given ``aiosqlite.connect``.
    The connection is made in the worker thread and used from both, one call at a time (the engine
    awaits each), so ``check_same_thread`` is off, as SQLAlchemy sets it for aiosqlite anyway."""
    kwargs = {**kwargs, "check_same_thread": False, "timeout": 0}
    connection = LoopThreadConnection(lambda: sqlite3.connect(database, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite: never holds up the process's exit
    return connection


class _ArrivalOrderQueue(asyncio.Queue[Any]):
    """A pool's queue of idle connections that serves callers in the order they came. With asyncio's
    own, a connection put back went into the queue and the longest waiting caller was woken to take
    it, but a newcomer could take it first (the woken one then queued again, at the back): with the
    one connection every request waits for, a request was passed over for half a minute. Here a
    connection put back goes straight to the longest waiting caller; it is kept only when none waits."""

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self._idle: deque[Any] = deque()
        self._callers: deque[asyncio.Future[Any]] = deque()

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    def put_nowait(self, item: Any) -> None:
        while self._callers:
            caller = self._callers.popleft()
            if not caller.done():
                caller.set_result(item)
                return
        if self.full():
            raise asyncio.QueueFull
        self._idle.append(item)

    async def put(self, item: Any) -> None:
        self.put_nowait(item)  # never more connections than places: a put never waits

    def get_nowait(self) -> Any:
        if not self._idle:  # kept only while nobody waits, so taking one passes nobody over
            raise asyncio.QueueEmpty
        return self._idle.popleft()

    async def get(self) -> Any:
        if self._idle:
            return self._idle.popleft()
        caller = asyncio.get_running_loop().create_future()
        self._callers.append(caller)
        try:
            return await caller
        except asyncio.CancelledError:
            # Given up (the pool's timeout) just as it was handed one: the next in line has it.
            if caller.done() and not caller.cancelled():
                self.put_nowait(caller.result())
            raise


class _ArrivalOrderAdaptedQueue(AsyncAdaptedQueue[Any]):
    @property
    def _queue(self) -> asyncio.Queue[Any]:
        # Made at first use, in the running event loop, as SQLAlchemy's own does.
        queue: asyncio.Queue[Any] | None = self.__dict__.get("_made")
        if queue is None:
            queue = self.__dict__["_made"] = _ArrivalOrderQueue(self.maxsize)
        return queue


class ArrivalOrderPool(AsyncAdaptedQueuePool):
    """The async engine's pool, handing out its connections in the order they were asked for."""

    _queue_class = _ArrivalOrderAdaptedQueue
