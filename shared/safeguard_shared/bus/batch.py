"""A fetched batch of one durable consumer's messages, handled in one transaction, in stream order.

Each message runs in a SAVEPOINT inside the batch's transaction; the inbox rows of the messages
handled are written together at the end of it, and the ids already in the inbox are read once at its
start. So are the writes the handlers make and never read back (the events they owe into the outbox,
a history's lines, reporting's read models): one statement per table, just before the inbox rows
(db/appends.py). A message whose handler raises rolls back its own savepoint only: the others keep
their effects. After the commit, and only then, the messages are settled: dead letters published, then the
acks, then the naks; a commit that fails settles nothing but naks, so nothing is ever half written.

Order within a case. A message whose handler fails and will be tried again holds its case (``case_key``)
until its retry is due: a later event of the same case, in this batch or the next ones, is not handled
but nacked to come back just after it, so a case's events never overtake one another. (Its last
delivery is handled regardless: JetStream would otherwise stop delivering it, and a held message must
never be lost.) Different cases do not wait for one another.

An event that concerns none of the subscription's handlers (``Subscription.concerns``) is acked at
once, without a transaction or an inbox row: handling it again after a crash does nothing either.

A transaction holds the store while it lasts, and SQLite has one writer: a batch is split into
transactions of at most ``transaction_seconds`` each, so a backlog does not keep requests waiting.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from opentelemetry.trace import TracerProvider
from pydantic import ValidationError
from sqlalchemy import Insert, Select, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .. import logging as slog
from .. import tracing
from ..contracts.envelope import Envelope
from ..db import begin_for_savepoints, defer_appends, write_appends
from . import metrics
from .consumer import DeadLetters, Inbox, PermanentError, Subscription

log = slog.get("consumer")

# The payload fields that name what a run of events is about, most specific first: a review case,
# an audit, an action, a theme. An event with none of them is ordered by its correlation id.
_CASE_FIELDS = ("case_id", "audit_id", "action_id", "theme_id")
# A held message comes back this long after the one it waits for, so that one is handled first.
_AFTER_THE_HELD = 0.05


def case_key(env: Envelope) -> str:
    """What this event's order matters within: its case (or audit, action, theme), else its correlation."""
    for name in _CASE_FIELDS:
        value = env.payload.get(name)
        if isinstance(value, str) and value:
            return f"{name}:{value}"
    return f"correlation:{env.correlation_id}"


class HeldCases:
    """Cases whose earlier event failed and waits for its retry, until when (monotonic seconds)."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def hold(self, key: str, seconds: float) -> None:
        self._until[key] = max(self._until.get(key, 0.0), time.monotonic() + seconds)

    def remaining(self, key: str) -> float:
        until = self._until.get(key)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._until[key]
            return 0.0
        return left

    def __len__(self) -> int:
        return len(self._until)


@dataclass
class _Item:
    msg: Msg
    env: Envelope | None
    outcome: str = "unsettled"  # handled, duplicate, passed_over, retry, held, dead_lettered
    reason: str = ""            # why it is dead-lettered
    delay: float = 0.0          # the nak's delay
    seconds: float = 0.0        # how long its handling took
    key: str = field(default="")

    @property
    def sequence(self) -> int:
        return int(self.msg.metadata.sequence.stream)

    @property
    def attempt(self) -> int:
        return int(self.msg.metadata.num_delivered)

    def reset(self) -> None:
        """Forget what a pass rolled back decided (a malformed message stays malformed)."""
        if self.env is not None:
            self.outcome, self.delay, self.seconds = "unsettled", 0.0, 0.0


class _HandlerRaised(Exception):
    """A handler raised in a pass without savepoints: the pass is rolled back and done again with them."""


class BatchHandler:
    """Handles and settles the batches of one subscription (see the module's docstring)."""

    def __init__(self, sub: Subscription, inbox: Inbox, dead_letters: DeadLetters, service: str, *,
                 tracer_provider: TracerProvider | None = None, transaction_seconds: float = 0.2):
        self.sub = sub
        self.inbox = inbox
        self.dead_letters = dead_letters
        self.service = service
        self.tracer_provider = tracer_provider
        self.transaction_seconds = transaction_seconds
        self.held = HeldCases()

    @functools.cached_property
    def _handled(self) -> Select[Any]:
        # Made once, as _record: each batch runs them (their values as parameters: SQLAlchemy's cache
        # finds them compiled instead of building them and their keys again).
        t = self.inbox.table
        return select(t.c.event_id).where(t.c.consumer == bindparam("consumer"),
                                          t.c.event_id.in_(bindparam("ids", expanding=True)))

    @functools.cached_property
    def _record(self) -> Insert:
        return insert(self.inbox.table)

    async def handle(self, msgs: Sequence[Msg]) -> list[str]:
        """Handle ``msgs`` in stream order and settle each; returns their outcomes, in stream order."""
        # Stream order: a fetch may bring redeliveries and new messages in the order they came due.
        items = sorted((_parse(msg) for msg in msgs), key=lambda item: item.sequence)
        for item in items:
            if item.env is not None and not self.sub.concerns(item.env):
                item.outcome = "passed_over"
        await self._settle([item for item in items if item.outcome == "passed_over"])
        todo = [item for item in items if item.outcome != "passed_over"]
        seen: set[str] | None = None  # event ids in the inbox already, or handled by this batch
        start = 0
        while start < len(todo):
            start, seen = await self._transaction(todo, start, seen)
        return [item.outcome for item in items]

    async def _transaction(self, items: list[_Item], start: int, seen: set[str] | None) -> tuple[int, set[str] | None]:
        """Handle items from ``start`` in one transaction, for as long as its time allows, and settle
        them after the commit. Returns where the next transaction starts.

        First without savepoints, which cost two statements a message; if a handler raises, that pass
        is rolled back whole and the same messages are handled again, each in a savepoint of its own.
        """
        end = start
        try:
            try:
                end, seen = await self._pass(items, start, seen, careful=False)
            except _HandlerRaised:
                for item in items[start:]:
                    item.reset()
                end, seen = await self._pass(items, start, seen, careful=True)
        except Exception as exc:  # the store failed the batch (the commit, a lost connection): retry all
            log.warning("a batch of events could not be committed; will retry", extra={
                "consumer": self.sub.consumer, "count": max(end - start, 1), "error_type": type(exc).__name__})
            end = max(end, start + 1)
            for item in items[start:end]:
                item.outcome, item.delay = "retry", self.sub.backoff(item.attempt)
        await self._settle(items[start:end])
        return end, seen

    async def _pass(self, items: list[_Item], start: int, seen: set[str] | None, *,
                    careful: bool) -> tuple[int, set[str]]:
        end = start
        began = time.perf_counter()
        async with self.inbox.sessions() as session, session.begin():
            if careful:
                await begin_for_savepoints(session)
            else:  # each event's savepoint must take its rows with it: only a pass without them defers
                defer_appends(session)
            handled = set(seen) if seen is not None else await self._handled_before(session, items[start:])
            rows: list[dict[str, Any]] = []
            while end < len(items) and (end == start or time.perf_counter() - began < self.transaction_seconds):
                await self._one(session, items[end], handled, rows, careful=careful)
                end += 1
            try:
                await write_appends(session)
            except Exception as exc:
                # A row one handler kept back was refused: which event's, the careful pass finds out,
                # each event writing its own rows in its savepoint, so only that one is dead-lettered.
                raise _HandlerRaised() from exc
            if rows:
                await session.execute(self._record, rows)
        return end, handled

    async def _handled_before(self, session: AsyncSession, items: Sequence[_Item]) -> set[str]:
        ids = [item.env.event_id for item in items if item.env is not None]
        if not ids:
            return set()
        found = await session.execute(self._handled, {"consumer": self.sub.consumer, "ids": ids})
        return set(found.scalars())

    async def _one(self, session: AsyncSession, item: _Item, seen: set[str], rows: list[dict[str, Any]], *,
                   careful: bool) -> None:
        env, sub = item.env, self.sub
        if env is None:  # malformed: _parse gave the reason
            return
        item.key = case_key(env)
        wait = self.held.remaining(item.key)
        if wait > 0 and item.attempt < sub.max_deliver:
            item.outcome, item.delay = "held", wait + _AFTER_THE_HELD
            return
        if env.event_id in seen:
            item.outcome = "duplicate"
            return
        started = time.perf_counter()
        try:
            with tracing.consuming(self.tracer_provider, item.msg.subject, item.msg.headers):
                if careful:
                    async with session.begin_nested():
                        await sub.handle(session, env)
                else:
                    await sub.handle(session, env)
        except Exception as exc:
            if not careful:
                raise _HandlerRaised() from exc
            self._failed(item, exc)
        else:
            item.outcome, item.seconds = "handled", time.perf_counter() - started
            seen.add(env.event_id)
            rows.append(dict(consumer=sub.consumer, event_id=env.event_id, event_type=env.event_type,
                             handled_at=datetime.now(UTC)))

    def _failed(self, item: _Item, exc: Exception) -> None:
        """A handler raised: dead-letter now (no retry can help, or none is left), or retry and hold the case."""
        sub = self.sub
        if isinstance(exc, (PermanentError, ValidationError)):
            item.outcome, item.reason = "dead_lettered", f"rejected: {type(exc).__name__}: {_short(exc)}"
        elif item.attempt >= sub.max_deliver:
            item.outcome = "dead_lettered"
            item.reason = f"failed {item.attempt} times: {type(exc).__name__}: {_short(exc)}"
        else:
            item.outcome, item.delay = "retry", sub.backoff(item.attempt)
            self.held.hold(item.key, item.delay)
            log.warning("event handling failed; will retry", extra={
                "consumer": sub.consumer, "event_id": item.env.event_id if item.env else None,
                "attempt": item.attempt, "error_type": type(exc).__name__})

    async def _settle(self, items: Sequence[_Item]) -> None:
        """After the commit: dead letters first (a message is acked only once its letter is kept), then
        the acks, the naks, the callbacks and the metrics."""
        for item in items:
            if item.outcome != "dead_lettered":
                continue
            try:
                await self.dead_letters.send(self.sub.consumer, item.msg, item.reason)
            except Exception as exc:  # the broker is away: the message comes back and fails again
                log.warning("a dead letter could not be published; will retry", extra={
                    "consumer": self.sub.consumer, "error_type": type(exc).__name__})
                item.outcome, item.delay = "retry", self.sub.backoff(item.attempt)
        for item in items:
            if item.outcome in ("handled", "duplicate", "passed_over", "dead_lettered"):
                await item.msg.ack()
        # Each case's messages come back in stream order: JetStream redelivers a nacked message when its
        # delay runs out, so a later message of a case never gets a shorter delay than an earlier one.
        last: dict[str, float] = {}
        for item in items:
            if item.outcome in ("retry", "held"):
                delay = last[item.key] = max(item.delay, last.get(item.key, 0.0))
                await item.msg.nak(delay=delay)
        if any(item.outcome == "handled" for item in items):
            for callback in self.sub.after_commit:
                callback()
        for item in items:
            if item.outcome == "handled":
                metrics.HANDLE_SECONDS.labels(self.service, self.sub.consumer).observe(item.seconds)
            metrics.EVENTS_HANDLED.labels(self.service, self.sub.consumer, item.outcome).inc()


def _parse(msg: Msg) -> _Item:
    try:
        return _Item(msg, Envelope.from_json(msg.data))
    except (ValidationError, ValueError) as exc:
        return _Item(msg, None, outcome="dead_lettered", reason=f"malformed event: {_short(exc)}")


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:400]
