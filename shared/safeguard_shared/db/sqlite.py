"""The one SQLite connection of a service's store: its statements run on the event loop's own thread,
and it is handed to sessions in the order they asked for it.

**On the event loop's thread.** aiosqlite runs every call (a cursor, an execute, a fetch, a close:
about four a statement) in a worker thread and wakes the event loop with the answer, and a referral
is some thirty such hand-overs. Each needs the worker thread and then the event loop to be given a
CPU again: on a machine whose cores the other services keep busy, that is the intake's time, while a
statement on a local file takes microseconds. So ``InlineConnection`` is aiosqlite's connection with
its worker never started: each call runs where it is awaited, at once. There is no second thread to
race the first (an earlier version ran statements inline and commits in the worker; a commit
cancelled mid-call then left two threads on the connection, and the process crashed at close).

A statement that meets another process's lock (the ``safeguard`` commands and an operator's
``sqlite3`` open the same files) fails at once, since the connection does not wait in SQLite's busy
handler, and is tried again after an ``asyncio.sleep`` (up to ``LOCK_WAIT_SECONDS``), so the event
loop is never held while it waits. A statement refused with SQLITE_BUSY changed nothing; one refused
because its transaction's snapshot is stale (SQLITE_BUSY_SNAPSHOT) is not tried again, as SQLite's
busy handler would not have.

**One call a statement.** SQLAlchemy's cursor over aiosqlite awaits a cursor, the statement, its rows
and the close, each through a future: ``_InlineCursor`` makes the one call on the sqlite3 cursor. The
transaction's commit and rollback still go through ``InlineConnection``.

**In arrival order.** SQLAlchemy's async pool queues waiters on an ``asyncio.Queue``, which lets a
newcomer take a connection just put back while the waiter woken for it goes to the back of the line:
under 16 clients some requests waited over 30 s for the store (bench/e2e_throughput.py;
docs/observability.md).
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import Callable, Generator, Iterator
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue

LOCK_WAIT_SECONDS = 30.0
# SQLITE_BUSY and SQLITE_BUSY_RECOVERY (another connection is recovering the WAL): trying again helps.
_TRY_AGAIN = {5, 261}


class _RunAtOnce:
    """Where aiosqlite queues a call for its worker thread: here the call is made as it is queued, and
    its future is settled before the caller awaits it."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller, as the worker does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, each call made on the calling (event loop's) thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int = 64) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # the worker thread is never started

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        pauses = _pauses_for_a_lock()
        while True:
            try:
                return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
            except sqlite3.OperationalError as exc:
                pause = _pause_after(exc, pauses)
            await asyncio.sleep(pause)


def _pauses_for_a_lock() -> Iterator[float]:
    """The pauses between tries at a call that met another process's lock: from 2 ms, doubling up to
    100 ms, until ``LOCK_WAIT_SECONDS`` have been waited."""
    waited, pause = 0.0, 0.002
    while waited < LOCK_WAIT_SECONDS:
        yield pause
        waited += pause
        pause = min(2 * pause, 0.1)


def _pause_after(exc: sqlite3.OperationalError, pauses: Iterator[float]) -> float:
    """How long to wait before trying again; raises ``exc`` when trying again cannot help (not a lock
    met) or the time for waiting is up."""
    if getattr(exc, "sqlite_errorcode", None) not in _TRY_AGAIN:
        raise exc
    pause = next(pauses, None)
    if pause is None:
        raise exc
    return pause


def _waiting_out_locks(call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)`` on the sqlite3 cursor; a lock met is waited out as ``InlineConnection._execute``
    does, the event loop running meanwhile (this runs inside SQLAlchemy's greenlet: ``await_``)."""
    pauses = _pauses_for_a_lock()
    while True:
        try:
            return call(*args)
        except sqlite3.OperationalError as exc:
            pause = _pause_after(exc, pauses)
        await_(asyncio.sleep(pause))


class _Pass:
    """An awaitable that is done at once: a statement still leaves SQLAlchemy's greenlet once, since
    ``AsyncConnection.execute`` refuses a driver that never does (``AwaitRequired``)."""

    def __await__(self) -> Generator[Any, None, None]:
        yield from ()


_PASS = _Pass()


class _InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's cursor over the connection, calling the sqlite3 cursor itself.

    SQLAlchemy's own awaits aiosqlite for each call: a cursor, the statement, its rows, the close. Each
    await leaves SQLAlchemy's greenlet for the event loop and comes back, through one of aiosqlite's
    futures, even with the call made at once (``InlineConnection``). Here a statement is one call on the
    sqlite3 cursor, leaving the greenlet once (``_Pass``), or again only to wait out a lock. An insert of
    one row took 109–140 µs before and 52–82 µs after, a select by key 126–205 µs and 63–95 µs, in turns on
    the same machine (bench/sqlite_statement.py)."""

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = adapt_connection._connection._conn.cursor()  # sqlite3's own
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()

    @property
    def _raw(self) -> sqlite3.Cursor:
        return cast(sqlite3.Cursor, self._cursor)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        await_(_PASS)
        try:
            _waiting_out_locks(self._raw.execute, operation, () if parameters is None else parameters)
            if self._raw.description:
                self._rows = deque(self._raw.fetchall())
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        await_(_PASS)
        try:
            _waiting_out_locks(self._raw.executemany, operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _async_soft_close(self) -> None:
        self._soft_closed_memoized = self._soft_closed_memoized.union({"description": self._raw.description})
        self._raw.close()

    def close(self) -> None:
        self._rows.clear()
        self._raw.close()


class _InlineAdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _InlineCursor  # type: ignore[assignment]


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI the engine is given (its ``module``): SQLAlchemy's aiosqlite adapter with the cursor
    above, over the connections ``connect`` makes."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *args: Any, **kwargs: Any) -> _InlineAdaptedConnection:
        creator = kwargs.pop("async_creator_fn")
        return _InlineAdaptedConnection(self, await_(creator(*args, **kwargs)))


def connect(*args: Any, **kwargs: Any) -> InlineConnection:
    """The engine's ``async_creator``, with the arguments SQLAlchemy would have given ``aiosqlite.connect``.
    ``timeout=0``: a lock is waited for by ``_execute``, never in SQLite's busy handler, which would
    hold the event loop."""
    kwargs = {**kwargs, "timeout": 0, "check_same_thread": False}
    return InlineConnection(lambda: sqlite3.connect(*args, **kwargs))


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
