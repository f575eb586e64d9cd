"""The unit of work: one transaction on a service's own store together with the events it owes.

A use case does its reads and writes on ``uow.session`` and records what happened with
``uow.publish(event)``; both commit together or not at all (the transactional outbox). After a
commit that recorded events, the outbox relay is woken so they leave at once rather than at its
next poll. Use cases never open sessions or wake the relay by hand.

Two ways in:

- ``async with runtime.unit_of_work() as uow:`` for a request: begins, commits on a clean exit,
  rolls back on an exception.
- ``UnitOfWork.joining(session, …)`` for an event handler: the consumer's inbox has already begun
  the transaction that records the event id, so the handler's effects and events join it, and the
  inbox commits (the relay is woken after that commit by the subscription).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .clock import Clock
from .contracts.envelope import Envelope, Event

if TYPE_CHECKING:
    from .bus.outbox import Outbox


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None, outbox: Outbox, clock: Clock, *,
                 on_commit: Callable[[], None] | None = None, session: AsyncSession | None = None,
                 correlation_id: str | None = None, causation_id: str | None = None,
                 cause: Envelope | None = None):
        self._sessions = sessions
        self._session = session
        self._owns_transaction = session is None
        self.outbox = outbox
        self.clock = clock
        self._on_commit = on_commit
        # Inside an event handler every event it owes is caused by the event being handled.
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        # The event being handled, if any: a handler may need when it happened, not only what.
        self.cause = cause
        self.published: list[Envelope] = []
        self._published_many = 0

    @classmethod
    def joining(cls, session: AsyncSession, outbox: Outbox, clock: Clock, *,
                cause: Envelope | None = None) -> UnitOfWork:
        """A unit of work inside a transaction someone else began and will commit (the inbox's)."""
        return cls(None, outbox, clock, session=session, cause=cause,
                   correlation_id=cause.correlation_id if cause else None,
                   causation_id=cause.event_id if cause else None)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'async with' block")
        return self._session

    @property
    def dialect(self) -> str:
        bind = self.session.bind
        return bind.dialect.name if bind is not None else ""

    def now(self) -> datetime:
        return self.clock.now()

    async def publish(self, event: Event, *, correlation_id: str | None = None,
                      occurred_at: datetime | None = None) -> Envelope:
        """Record ``event`` in the outbox, in this transaction."""
        env = await self.outbox.add(self.session, event, occurred_at=occurred_at or self.clock.now(),
                                    correlation_id=correlation_id or self.correlation_id,
                                    causation_id=self.causation_id)
        self.published.append(env)
        return env

    async def publish_many(self, events: list[tuple[Event, datetime]]) -> None:
        """Many events in one statement, each with its own time (the ticker fires many per round)."""
        await self.outbox.add_many(self.session, events)
        self._published_many += len(events)

    async def publish_all(self, events: list[Event], *, correlation_id: str | None = None) -> None:
        for event in events:
            await self.publish(event, correlation_id=correlation_id)

    async def __aenter__(self) -> UnitOfWork:
        if self._owns_transaction:
            if self._sessions is None:
                raise RuntimeError("a unit of work needs a session factory or a session")
            self._session = self._sessions()
            await self._session.begin()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if not self._owns_transaction:
            return
        session = self.session
        try:
            if exc_type is None:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()
            self._session = None
        if exc_type is None and (self.published or self._published_many) and self._on_commit is not None:
            self._on_commit()
