"""Idempotent consumers on durable JetStream pull subscriptions, with a dead-letter stream.

For each message: the envelope is parsed (a malformed one goes straight to the dead letters, with
the reason, and is acked so it never blocks the consumer); the handler runs in a transaction
together with the inbox row that records the event id, so a redelivery finds the row and has no
second effect; a handler that raises is nacked with a back-off and retried up to ``max_deliver``
times, then dead-lettered with the reason (``PermanentError`` and a payload that does not fit its
contract at once). Messages are fetched and handled in batches, one transaction a batch, each
message in a savepoint of its own and a case's events in order: batch.py; the pull loop: pull.py.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nats.aio.msg import Msg
from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .. import logging as slog
from ..contracts.envelope import Envelope, Event
from . import metrics
from .names import BusNames

log = slog.get("consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
# Publishes raw bytes with headers on a subject (NatsBus.publish_raw).
PublishRaw = Callable[[str, bytes, dict[str, str]], Awaitable[None]]


class PermanentError(Exception):
    """A handler's way of saying retrying cannot help (bad payload, unknown reference)."""


@dataclass
class Subscription:
    """One durable consumer: ``consumer`` (this service's name for it) on ``producer``'s stream."""

    consumer: str
    producer: str
    handle: Handler
    # The event types this consumer answers on the stream: the server delivers only those where it can
    # filter a consumer on them (pull.py, ``filters``). Empty: the whole stream.
    subjects: tuple[str, ...] = ()
    max_deliver: int = 5
    backoff_seconds: tuple[float, ...] = (0.5, 2.0, 5.0, 15.0)
    ack_wait_seconds: float = 30.0
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # The contracts this consumer answers on the stream: documented as its messages' payloads in the
    # AsyncAPI document (messages are still parsed as plain envelopes and validated by the handler).
    contracts: tuple[type[Event], ...] = ()
    # Whether an event needs handling at all (EventDispatcher.concerns): one that does not is acked
    # without a transaction or an inbox row. By default every event does.
    concerns: Callable[[Envelope], bool] = field(default=lambda env: True)

    def backoff(self, attempt: int) -> float:
        return self.backoff_seconds[min(attempt - 1, len(self.backoff_seconds) - 1)]


class Inbox:
    """Records handled event ids in the same transaction as the handler's effect."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table):
        self.sessions = sessions
        self.table = table

    async def handle_once(self, consumer: str, env: Envelope, handler: Handler) -> bool:
        """Run ``handler`` unless this consumer already handled ``env``; True if it ran."""
        async with self.sessions() as session:
            try:
                async with session.begin():
                    await session.execute(insert(self.table).values(
                        consumer=consumer, event_id=env.event_id, event_type=env.event_type,
                        handled_at=datetime.now(UTC)))
                    await handler(session, env)
            except IntegrityError as exc:
                if _is_inbox_conflict(exc):
                    return False
                raise
        return True


def _is_inbox_conflict(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "inbox" in text or "inbox_pkey" in text


class DeadLetters:
    def __init__(self, publish_raw: PublishRaw, names: BusNames, service: str):
        self.publish_raw = publish_raw
        self.names = names
        self.service = service

    async def send(self, consumer: str, raw_msg: Msg, reason: str) -> None:
        md = raw_msg.metadata
        headers = {
            # One dead letter per original message per consumer, however often we get here.
            "Nats-Msg-Id": f"{consumer}:{md.stream}:{md.sequence.stream}",
            "Safeguard-Reason": reason[:1000],
            "Safeguard-Consumer": consumer,
            "Safeguard-Original-Subject": raw_msg.subject,
            "Safeguard-Original-Stream": md.stream,
            "Safeguard-Original-Sequence": str(md.sequence.stream),
            "Safeguard-Attempts": str(md.num_delivered),
        }
        await self.publish_raw(self.names.dead_letter_subject(consumer), raw_msg.data, headers)
        metrics.EVENTS_DEAD_LETTERED.labels(self.service, consumer).inc()
        log.warning("event dead-lettered", extra={"consumer": consumer, "reason": reason.split(":")[0],
                                                  "subject": raw_msg.subject})
