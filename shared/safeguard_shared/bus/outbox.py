"""Transactional outbox: the events a state change owes are written in the same transaction,
then a relay publishes them to JetStream with ``Nats-Msg-Id`` = event id and marks them.

A relay that dies after publishing and before marking publishes the same event again on restart;
JetStream drops it inside the duplicate window and the consumers' inbox drops it after that.

An event the broker will never take (larger than its maximum payload, a subject this service may not
publish on) would otherwise be retried for ever and hold back every event behind it. The publisher
says so by raising ``PublishRefused``; the relay sets that row aside (``set_aside_at`` and the reason),
counts it (``safeguard_outbox_set_aside_total``), logs it (reason and event id, never the body), and
goes on with the rows behind it. ``/health`` reports the service degraded while any row is set aside.
A transient failure (broker away, timeout, no responders) keeps the order: the row is tried again.
"""
from __future__ import annotations

import asyncio
import functools
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Table, Update, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .. import logging as slog
from .. import tracing
from ..aio import cancel_and_wait, wait_for_wake
from ..contracts.envelope import Envelope, Event
from ..db.appends import append
from . import metrics
from .names import BusNames

log = slog.get("outbox")

Publish = Callable[[str, bytes, str], Awaitable[None]]


class PublishRefused(Exception):
    """The broker will never take this event (too large, not permitted): retrying cannot help.

    ``kind`` is a short constant for the metric's label (``too_large``, ``not_permitted``, ``rejected``);
    the message says why, without the event's content.
    """

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


@dataclass
class _Round:
    """What one round of the relay did: the rows published, those set aside, the one that failed."""

    published: list[int] = field(default_factory=list)
    set_aside: list[tuple[int, str, str, PublishRefused]] = field(default_factory=list)
    failure: tuple[int, str] | None = None


class Outbox:
    """Writes owed events into the service's own ``outbox`` table, inside the caller's transaction."""

    def __init__(self, table: Table, names: BusNames, producer: str):
        self.table = table
        self.names = names
        self.producer = producer
        # Events recorded so far (committed or not): a consumer wakes the relay only after recording some.
        self.recorded = 0
        self._insert = insert(table)

    async def add(self, session: AsyncSession, event: Event, *, occurred_at: datetime,
                  correlation_id: str | None = None, causation_id: str | None = None) -> Envelope:
        env = event.envelope(producer=self.producer, occurred_at=occurred_at,
                             correlation_id=correlation_id, causation_id=causation_id)
        # One statement made once, its values as parameters: SQLAlchemy's cache finds it compiled. In a
        # consumer's batch the row waits to go with the batch's others in one statement (db/appends.py).
        await append(session, self._insert, self._row(env))
        self.recorded += 1
        return env

    async def add_many(self, session: AsyncSession, events: list[tuple[Event, datetime]]) -> None:
        """Several events in one statement (the ticker fires many transitions per round)."""
        if events:
            rows = [self._row(e.envelope(producer=self.producer, occurred_at=at)) for e, at in events]
            await session.execute(insert(self.table), rows)
            self.recorded += len(rows)

    def _row(self, env: Envelope) -> dict[str, object]:
        return dict(event_id=env.event_id, subject=self.names.subject(env.event_type), body=env.model_dump_json(),
                    created_at=datetime.now(UTC), attempts=0, trace_context=tracing.current_traceparent())


class OutboxRelay:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table, publish: Publish, *,
                 postgres: bool, service: str, batch_size: int = 100, poll_seconds: float = 0.25):
        self.sessions = sessions
        self.table = table
        self.publish = publish
        self.postgres = postgres
        self.service = service
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Replicas of a service share its outbox; this key names the lock that lets one publish at a time.
        self._lock_key = zlib.crc32(f"safeguard-outbox:{table.name}".encode())
        # Tests set this to simulate a crash between the broker's ack and the outbox mark.
        self.after_publish: Callable[[str], None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Publish one batch of unpublished events in order; returns how many were marked (published
        or set aside)."""
        if not self.postgres:
            # SQLite has one writer for the whole store, and the marks make this a write transaction:
            # held across a broker round trip per event, it would keep every request's write waiting
            # (the intake's p99 was seconds). So the batch is read, published, then marked in one short
            # write. A crash before the mark publishes the batch again: JetStream drops the duplicates
            # by event id, and the consumers' inboxes drop any after its window.
            async with self.sessions() as session:
                rows = await self._unpublished(session)
            if not rows:
                return 0
            outcome = await self._publish(rows)
            async with self.sessions() as session, session.begin():
                await self._mark(session, outcome)
            return self._count(outcome)
        async with self.sessions() as session, session.begin():
            if not await self._only_relay_publishing(session):
                return 0
            outcome = await self._publish(await self._unpublished(session))
            await self._mark(session, outcome)
        return self._count(outcome)

    # The relay's two statements are made once, their values as parameters: a round runs after every
    # commit that recorded events, and every quarter of a second besides, and building a statement and
    # its cache key cost SQLAlchemy about as much as running it (docs/observability.md, fifth pass).
    @functools.cached_property
    def _unpublished_rows(self) -> Select[Any]:
        t = self.table
        return select(t.c.seq, t.c.event_id, t.c.subject, t.c.body, t.c.trace_context).where(
            _waiting(t)).order_by(t.c.seq).limit(bindparam("batch"))

    @functools.cached_property
    def _mark_published(self) -> Update:
        t = self.table
        return update(t).where(t.c.seq.in_(bindparam("seqs", expanding=True))).values(
            published_at=bindparam("at"), attempts=t.c.attempts + 1)

    async def _unpublished(self, session: AsyncSession) -> Sequence[Row[Any, Any, Any, Any, Any]]:
        rows: Sequence[Row[Any, Any, Any, Any, Any]] = (
            await session.execute(self._unpublished_rows, {"batch": self.batch_size})).all()
        return rows

    async def _publish(self, rows: Sequence[Row[Any, Any, Any, Any, Any]]) -> _Round:
        """Publish ``rows`` in order, each in the trace context its row kept; one the broker refuses for
        good is set aside and the rest go on; a transient failure stops the round, keeping the order."""
        outcome = _Round()
        for row in rows:
            try:
                with tracing.within(row.trace_context):
                    await self.publish(row.subject, row.body.encode(), row.event_id)
            except PublishRefused as exc:  # never publishable: set it aside, go on with the rest
                outcome.set_aside.append((row.seq, row.event_id, row.subject, exc))
                continue
            except Exception as exc:  # broker away: keep the order, try again next round
                log.warning("outbox publish failed", extra={"event_id": row.event_id,
                                                            "error_type": type(exc).__name__})
                outcome.failure = (row.seq, type(exc).__name__)
                break
            if self.after_publish:
                self.after_publish(row.event_id)
            outcome.published.append(row.seq)
        return outcome

    async def _mark(self, session: AsyncSession, outcome: _Round) -> None:
        t = self.table
        if outcome.published:
            await session.execute(self._mark_published, {"seqs": outcome.published, "at": datetime.now(UTC)})
        for seq, event_id, subject, exc in outcome.set_aside:
            await self._set_aside(session, seq, event_id, subject, exc)
        if outcome.failure:
            await session.execute(update(t).where(t.c.seq == outcome.failure[0]).values(
                attempts=t.c.attempts + 1, last_error=outcome.failure[1]))

    def _count(self, outcome: _Round) -> int:
        if outcome.published:
            metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(outcome.published))
        return len(outcome.published) + len(outcome.set_aside)

    async def _set_aside(self, session: AsyncSession, seq: int, event_id: str, subject: str,
                         exc: PublishRefused) -> None:
        reason = f"{exc.kind}: {exc}"[:500]
        await session.execute(update(self.table).where(self.table.c.seq == seq).values(
            set_aside_at=datetime.now(UTC), set_aside_reason=reason, attempts=self.table.c.attempts + 1,
            last_error=type(exc).__name__))
        metrics.OUTBOX_SET_ASIDE.labels(self.service, exc.kind).inc()
        log.error("outbox event set aside: the broker will never take it", extra={
            "event_id": event_id, "subject": subject, "reason": reason})

    async def set_aside(self) -> int:
        """How many events are set aside (they need a person: see docs/architecture.md)."""
        async with self.sessions() as session:
            count: int = (await session.execute(select(func.count()).select_from(self.table).where(
                self.table.c.set_aside_at.is_not(None)))).scalar_one()
            return count

    async def _only_relay_publishing(self, session: AsyncSession) -> bool:
        """Take the store's relay lock for this transaction, or say another replica's relay holds it.

        One relay at a time publishes from a store. Rows taken with ``SKIP LOCKED`` instead would let a
        second replica publish later events while the first still publishes earlier ones: a case's
        milestone could overtake the event that opened it. The replica that finds the lock taken tries
        again on its next round; the holder publishes what is there meanwhile.
        """
        got = await session.execute(select(func.pg_try_advisory_xact_lock(self._lock_key)))
        return bool(got.scalar_one())

    async def backlog(self) -> int:
        return (await self.waiting())[0]

    async def waiting(self) -> tuple[int, datetime | None]:
        """How many events wait to be published, and when the oldest of them was recorded."""
        t = self.table
        async with self.sessions() as session:
            count, oldest = (await session.execute(select(func.count(), func.min(t.c.created_at)).where(
                _waiting(t)))).one()
        if isinstance(oldest, str):  # SQLite answers min() of a column as text, without its type
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(count), oldest

    async def run_forever(self) -> None:
        while True:
            try:
                n = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database blinked; the next round retries
                log.warning("outbox relay round failed", extra={"error_type": type(exc).__name__})
                n = 0
            if n >= self.batch_size:
                continue
            self._wake.clear()
            await wait_for_wake(self._wake, self.poll_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run_forever(), name=f"outbox-relay-{self.service}")

    async def stop(self, seconds: float = 10.0) -> None:
        task, self._task = self._task, None
        if task is not None and await cancel_and_wait([task], seconds):
            log.warning("outbox relay did not stop in time")


def _waiting(t: Table) -> ColumnElement[bool]:
    """Rows still owed to the broker: neither published nor set aside."""
    return and_(t.c.published_at.is_(None), t.c.set_aside_at.is_(None))
