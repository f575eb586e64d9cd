"""The pull loop of one durable consumer, on nats-py: keep pull requests open, hand what arrives to the
batch handler in batches, again.

The consumer keeps pull requests open on the server, each for up to ``batch_size`` messages and
``fetch_seconds`` long, and asks again before the open ones run out or end, so that under load the
server streams messages into the subscription's queue while the last batch is being handled. A batch
is the first message to arrive and whatever else the queue holds, up to ``batch_size``; when only one
is there, what arrives within ``_TOP_UP_SECONDS`` joins it. nats-py's own ``fetch`` made a pull request
(and the server a status message in answer) for every batch and another to top it up: at two or
three messages of a batch's size, most of what NATS and each consumer did for an event
(docs/observability.md, seventh pass).

Not FastStream's batch subscriber: it fetched on a subscription of its own per batch, and a delivery
that arrived after a fetch's deadline waited for the 30 s ack wait to come again (a test lost one
delivery about one run in eight).

The loop outlives the broker going away (nats-py reconnects and subscribes again; requests lost with
the connection end by the clock and are asked again) and its consumer being deleted (the server
answers that no one is there, and the consumer is declared again). Asked to stop, it finishes the
batch in hand (bounded), ends its subscription (the server then sends nothing more: it checks the
requester's interest before each delivery), and hands back, by a nak, what had arrived and was not
handled, to come again once the requests it had open have ended (about a second), so another replica
takes it then rather than after the ack wait.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, Header, StatusCode
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
# A request's own end comes by a status message; one lost with a connection is forgotten this long
# after it would have ended.
_FORGET_AFTER_SECONDS = 1.0
# A message handed back at a stop comes again this long after the last request open could have ended.
_HAND_BACK_MARGIN = 0.2


@dataclasses.dataclass
class _Request:
    ends_at: float  # by the event loop's clock, from when it was sent
    remaining: int  # messages it may still bring


class _OpenRequests:
    """The pull requests a consumer has open on the server, oldest first. The server fills its waiting
    requests in the order they came and ends them in that order (a 408 status when one expires, nothing
    when one is filled), so a message or a status is counted against the oldest."""

    def __init__(self) -> None:
        self.requests: deque[_Request] = deque()

    def clear(self) -> None:
        self.requests.clear()

    def sent(self, now: float, batch: int, seconds: float) -> None:
        self.requests.append(_Request(now + seconds, batch))

    def delivered(self) -> None:
        while self.requests:
            oldest = self.requests[0]
            if oldest.remaining > 0:
                oldest.remaining -= 1
                if oldest.remaining == 0:
                    self.requests.popleft()
                return
            self.requests.popleft()

    def ended(self) -> None:
        if self.requests:
            self.requests.popleft()

    def to_ask(self, now: float, batch: int, seconds: float) -> float | None:
        """None if a request should be sent now, else how long until one should: when fewer than half a
        batch is asked for by requests with more than a quarter of their time left."""
        while self.requests and self.requests[0].ends_at + _FORGET_AFTER_SECONDS < now:
            self.requests.popleft()
        lasting = [r for r in self.requests if r.ends_at - seconds / 4 > now]
        if sum(r.remaining for r in lasting) * 2 < batch:
            return None
        return min(r.ends_at for r in lasting) - seconds / 4 - now


def filters(subjects: tuple[str, ...], whole: str, server: tuple[int, int]) -> list[str]:
    """What a durable consumer is filtered on: the subjects of the event types it answers where the server
    filters a consumer on several (NATS 2.10 and later) or it answers one; else ``whole``, the stream's
    every subject, and the consumer passes over what it does not answer (``Subscription.concerns``)."""
    if subjects and (len(subjects) == 1 or server >= (2, 10)):
        return sorted(subjects)
    return [whole]


def _filters_of(config: ConsumerConfig) -> list[str]:
    return sorted(config.filter_subjects or ([config.filter_subject] if config.filter_subject else []))


def _server_version(js: JetStreamContext) -> tuple[int, int]:
    version = js._nc.connected_server_version  # noqa: SLF001 - the context's own connection
    return version.major, version.minor


class PullConsumer:
    def __init__(self, jetstream: Callable[[], JetStreamContext], handler: BatchHandler, *, subject: str,
                 stream: str, config: ConsumerConfig, inbox_prefix: bytes,
                 declare_streams: Callable[[], Awaitable[None]], subjects: tuple[str, ...] = (),
                 batch_size: int = 256, fetch_seconds: float = 1.0):
        self.jetstream = jetstream
        self.handler = handler
        self.subject = subject  # the stream's every subject
        self.subjects = subjects  # those of the event types answered (none: all of them)
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
        self._open = _OpenRequests()

    @property
    def durable(self) -> str:
        return str(self.config.durable_name)

    async def bind(self) -> None:
        """Declare the durable consumer if it is not there yet, or filter it anew where the server can and
        the event types answered have changed (it keeps its place in the stream), and subscribe to its
        deliveries."""
        self._open.clear()
        js = self.jetstream()
        server = _server_version(js)
        wanted = filters(self.subjects, self.subject, server)
        config = dataclasses.replace(self.config, name=self.durable)
        if len(wanted) == 1:
            config.filter_subject = wanted[0]
        else:
            config.filter_subjects = wanted
        try:
            declared = (await js.consumer_info(self.stream, self.durable)).config
        except NotFoundError:
            await js.add_consumer(self.stream, config)
        else:
            if _filters_of(declared) != wanted and server >= (2, 10):
                try:
                    await js.add_consumer(self.stream, config)  # NATS 2.10 and later change a filter in place
                except Exception as exc:  # the consumer still reads what it read, and passes over the rest
                    log.warning("the durable consumer's filter could not be changed; it reads as before",
                                extra={"consumer": self.durable, "error_type": type(exc).__name__})
        self._psub = await js.pull_subscribe_bind(durable=self.durable, stream=self.stream,
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
        psub = self._psub
        msgs = [await self._first(psub)]
        self._take_queued(psub, msgs)
        if len(msgs) == 1 and self.batch_size > 1:
            # What arrives meanwhile joins the batch, in the same transaction (_TOP_UP_SECONDS).
            await asyncio.sleep(_TOP_UP_SECONDS)
            self._take_queued(psub, msgs)
        return msgs

    async def _first(self, psub: JetStreamContext.PullSubscription) -> Msg:
        """The next message, asking the server for more whenever the open requests run low or near their
        end; TimeoutError after ``fetch_seconds`` with none."""
        queue = _queue(psub)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.fetch_seconds
        while True:
            now = loop.time()
            wait = self._open.to_ask(now, self.batch_size, self.fetch_seconds)
            if wait is None:
                # Not while a whole batch waits here already: what waits counts against the ack wait.
                if queue.qsize() < self.batch_size:
                    await self._ask(psub, now)
                wait = self._open.to_ask(now, self.batch_size, self.fetch_seconds) or 0.0
            if queue.empty() and now >= give_up:
                raise TimeoutError
            try:
                async with asyncio.timeout(max(min(wait, give_up - now), 0.0)):
                    msg = await queue.get()
            except TimeoutError:
                continue
            if self._is_message(_taken(psub, msg)):
                return msg

    async def _ask(self, psub: JetStreamContext.PullSubscription, now: float) -> None:
        # The request's own end a little before ours, as nats-py's fetch does, so that its 408 comes
        # before we count it ended by the clock.
        request = {"batch": self.batch_size, "expires": int(self.fetch_seconds * 1e9) - 100_000}
        await psub._nc.publish(psub._nms, json.dumps(request).encode(), psub._deliver)  # noqa: SLF001
        self._open.sent(now, self.batch_size, self.fetch_seconds)

    def _is_message(self, msg: Msg) -> bool:
        """Whether ``msg`` is a delivery; a status message ends the oldest open request, or says the
        consumer is gone (raised, so that it is declared again)."""
        status = msg.headers.get(Header.STATUS) if msg.headers else None
        if not status:
            self._open.delivered()
            return True
        if status == StatusCode.CONTROL_MESSAGE:  # a heartbeat (none is asked for)
            return False
        description = (msg.headers or {}).get(Header.DESCRIPTION, "")
        if status == StatusCode.SERVICE_UNAVAILABLE:  # no one answers for the consumer
            raise ServiceUnavailableError(code=503, description=description)
        if status == StatusCode.CONFLICT and "deleted" in description.lower():
            raise NotFoundError(code=409, description=description)
        self._open.ended()  # 408 expired, 404 none waiting, or another 409 (the server's limits)
        return False

    def _take_queued(self, psub: JetStreamContext.PullSubscription, msgs: list[Msg]) -> None:
        queue = _queue(psub)
        while len(msgs) < self.batch_size and not queue.empty():
            msg = _taken(psub, queue.get_nowait())
            if self._is_message(msg):
                msgs.append(msg)

    async def _handle(self, msgs: list[Msg]) -> None:
        try:
            await self.handler.handle(msgs)
        except asyncio.CancelledError:
            await self._hand_back_later(msgs)
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
        """End the subscription, handing back what had arrived on it unhandled (``_hand_back_later``).
        The server sends nothing more once it has the unsubscription; whatever it sent before is in the
        queue after a round trip, since nats-py keeps queueing for the subscription until it is removed."""
        psub, self._psub = self._psub, None
        self._open.clear()
        if psub is None:
            return
        await self._hand_back_later(_queued(psub))
        nc = psub._nc  # noqa: SLF001 - nats-py's unsubscribe would drop what is still on its way
        with contextlib.suppress(Exception):
            await nc._send_unsubscribe(psub._sub._id)  # noqa: SLF001
            await nc.flush(timeout=2)
        await self._hand_back_later(_queued(psub))
        with contextlib.suppress(Exception):
            await psub.unsubscribe()

    async def _hand_back_later(self, msgs: list[Msg]) -> None:
        """Hand ``msgs`` back to come again once every request this loop has open has ended, to another
        replica or to this service started again. Handed back at once, a message goes straight back to an
        open request of ours; and NATS 2.9 sends one handed back to a request whose subscriber has gone
        into the void, where it waits for the ack wait (30 s) to come round again."""
        await _hand_back(msgs, delay=self.fetch_seconds + _HAND_BACK_MARGIN)

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
        await self._unsubscribe()


def _queue(psub: JetStreamContext.PullSubscription) -> asyncio.Queue[Msg]:
    """What the server has delivered to the subscription, in order: the queue nats-py's own fetch reads."""
    queue: asyncio.Queue[Msg] = psub._sub._pending_queue  # noqa: SLF001 - nats-py keeps no public way to read it
    return queue


def _taken(psub: JetStreamContext.PullSubscription, msg: Msg) -> Msg:
    psub._sub._pending_size -= len(msg.data)  # noqa: SLF001 - as nats-py's fetch does, for its pending limits
    return msg


def _queued(psub: JetStreamContext.PullSubscription) -> list[Msg]:
    """Messages delivered to the subscription and not fetched yet (status messages left out)."""
    queue = _queue(psub)
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
