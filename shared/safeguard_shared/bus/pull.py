"""The pull loop of one durable consumer, on nats-py: fetch a batch, hand it to the batch handler, again.

One pull subscription is kept for the consumer's life, so a message the server delivers after a fetch
has given up waiting lands in the subscription's queue and the next fetch takes it from there at once
(nats-py's fetch empties that queue first). A batch is one message waited for, then whatever else the
server already holds, up to ``batch_size``: under light load one message, with no waiting to fill it
(nats-py's own batch fetch, once it has waited, waits to fill the batch or for its whole timeout);
under a backlog, full batches.

Not FastStream's batch subscriber: it fetched on a subscription of its own per batch, and a delivery
that arrived after a fetch's deadline waited for the 30 s ack wait to come again (a test lost one
delivery about one run in eight).

The loop outlives the broker going away (nats-py reconnects and subscribes again; fetches meanwhile
time out) and its consumer being deleted (the fetch then finds no one answering, and the consumer is
declared again). Asked to stop, it finishes the batch in hand (bounded) and hands back, by a nak, what
it had fetched and not handled, so another replica takes it at once rather than after the ack wait.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import NotFoundError, ServiceUnavailableError

from .. import logging as slog
from .batch import BatchHandler

log = slog.get("consumer")

# Seconds between tries while the broker or the consumer is away.
_AWAY_PAUSE = 1.0
# How long a batch is topped up after its first message: what the server already holds comes at once,
# and what arrives meanwhile joins it. That wait is a batching window, not only a cost: topping up only
# when a message said others waited behind it (its num_pending) saved the empty second request, but
# under load the batches shrank (reporting ran 2.2 transactions per referral, against 1.9 with it) and the
# stack used as much CPU per referral as before (docs/observability.md, sixth pass).
_TOP_UP_SECONDS = 0.01


class PullConsumer:
    def __init__(self, jetstream: Callable[[], JetStreamContext], handler: BatchHandler, *, subject: str,
                 stream: str, config: ConsumerConfig, inbox_prefix: bytes,
                 declare_streams: Callable[[], Awaitable[None]], batch_size: int = 256,
                 fetch_seconds: float = 1.0):
        self.jetstream = jetstream
        self.handler = handler
        self.subject = subject
        self.stream = stream
        self.config = config
        self.inbox_prefix = inbox_prefix
        self.declare_streams = declare_streams
        self.batch_size = batch_size
        self.fetch_seconds = fetch_seconds
        self._psub: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._handling = False

    @property
    def durable(self) -> str:
        return str(self.config.durable_name)

    async def bind(self) -> None:
        """Declare the durable consumer if it is not there yet, and subscribe to its deliveries."""
        self._psub = await self.jetstream().pull_subscribe(
            self.subject, durable=self.durable, stream=self.stream, config=_copy(self.config),
            inbox_prefix=self.inbox_prefix)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.durable}")

    async def _run(self) -> None:
        while not self._stopping:
            try:
                msgs = await self._fetch()
            except (TimeoutError, NatsTimeoutError):
                continue  # nothing there
            except (ServiceUnavailableError, NotFoundError) as exc:  # the consumer (or its stream) is gone
                log.warning("durable consumer not found; declaring it again", extra={
                    "consumer": self.durable, "error_type": type(exc).__name__})
                await self._rebind()
                continue
            except Exception as exc:  # the broker is away: nats-py reconnects meanwhile
                if self._stopping:
                    break
                log.warning("fetching events failed; will try again", extra={
                    "consumer": self.durable, "error_type": type(exc).__name__})
                await asyncio.sleep(_AWAY_PAUSE)
                continue
            self._handling = True
            try:
                await self._handle(msgs)
            finally:
                self._handling = False

    async def _fetch(self) -> list[Msg]:
        if self._psub is None:
            await self.bind()
        assert self._psub is not None
        # First wait for one message: a batch fetch that had to wait returns only when its batch is full or
        # its whole timeout has passed, which held every event of a quiet bus for up to a second at each
        # hop. Then take, without waiting (at most _TOP_UP_SECONDS), whatever else is already there.
        psub = self._psub
        first = await psub.fetch(batch=1, timeout=self.fetch_seconds)
        if self.batch_size <= 1:
            return first
        try:
            rest = await psub.fetch(batch=self.batch_size - 1, timeout=_TOP_UP_SECONDS)
        except (TimeoutError, NatsTimeoutError):
            rest = []
        return first + rest

    async def _handle(self, msgs: list[Msg]) -> None:
        try:
            await self.handler.handle(msgs)
        except asyncio.CancelledError:
            await _hand_back(msgs)
            raise
        except Exception as exc:  # a bug in the handler's own plumbing: the messages come back
            log.error("a batch of events failed outside its handlers", extra={
                "consumer": self.durable, "error_type": type(exc).__name__})
            await _hand_back(msgs, delay=_AWAY_PAUSE)

    async def _rebind(self) -> None:
        await self._unsubscribe()
        try:
            await self.bind()
        except NotFoundError:  # the stream itself is gone (a broker that lost its store)
            with contextlib.suppress(Exception):
                await self.declare_streams()
        except Exception as exc:
            log.warning("declaring the durable consumer failed", extra={
                "consumer": self.durable, "error_type": type(exc).__name__})
        if self._psub is None:
            await asyncio.sleep(_AWAY_PAUSE)

    async def _unsubscribe(self) -> None:
        psub, self._psub = self._psub, None
        if psub is not None:
            with contextlib.suppress(Exception):
                await psub.unsubscribe()

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Finish the batch in hand (for at most ``grace_seconds``), give back what was fetched early."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            if not self._handling:
                task.cancel()
            deadline = time.monotonic() + grace_seconds
            while not task.done() and time.monotonic() < deadline:
                await asyncio.wait([task], timeout=max(deadline - time.monotonic(), 0.01))
            while not task.done():
                task.cancel()
                await asyncio.wait([task], timeout=1.0)
        if self._psub is not None:
            await _hand_back(_queued(self._psub))
        await self._unsubscribe()


def _queued(psub: JetStreamContext.PullSubscription) -> list[Msg]:
    """Messages delivered to the subscription and not fetched yet (status messages left out)."""
    queue = psub._sub._pending_queue  # noqa: SLF001 - nats-py keeps no public way to read them
    msgs: list[Msg] = []
    while not queue.empty():
        msg = queue.get_nowait()
        if msg.reply and not JetStreamContext.is_status_msg(msg):
            msgs.append(msg)
    return msgs


async def _hand_back(msgs: list[Msg], delay: float | None = None) -> None:
    for msg in msgs:
        with contextlib.suppress(Exception):
            await msg.nak(delay=delay)  # refused (and passed over) if the batch settled it already


def _copy(config: ConsumerConfig) -> ConsumerConfig:
    # nats-py writes the filter subject and the name into the config it is given.
    return dataclasses.replace(config)
