"""The one SQLite connection, handed to sessions in the order they asked for it.

SQLAlchemy's async pool queues waiters on an ``asyncio.Queue``, which lets a newcomer take a connection
just put back while the waiter woken for it goes to the back of the line: under 16 clients some
requests waited over 30 s for the store (bench/e2e_throughput.py; docs/observability.md).

(A connection that also ran its statements on the event loop's thread, to spare aiosqlite's thread
hand-overs, was tried and taken out: a statement cancelled while aiosqlite's thread still ran it left
two threads on one sqlite3 connection, and the process crashed when the connection closed.)
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.queue import AsyncAdaptedQueue


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
