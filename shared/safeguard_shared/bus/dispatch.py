"""One table per service says which use case answers which event: ``EVENT_HANDLERS``.

The table maps a contract class to the handlers that answer it. ``EventDispatcher`` is what a
durable subscription calls for each envelope: it finds the contract, validates the payload (a payload
that does not fit its contract raises ``ValidationError``, which the consumer dead-letters with the
reason) and runs each handler inside the inbox's transaction, through a unit of work that joins it.
An event type that no handler in the table answers is not this service's business and is passed over.
So is an event every handler of which declares, with ``acts_only_on``, that it does nothing with it
(a handler of every deadline scheduled that keeps only the audit's date): the consumer asks
``concerns`` before it opens a transaction, and acknowledges such an event without one. A service's
consumer is filtered on the event types it answers where the server can (NATS 2.10 and later, or one
type: ``bus/pull.py``, ``filters``); on NATS 2.9 it sees every event of a stream whose several types it
answers, and most of them need nothing from it. Even filtered, it sees every deadline scheduled when
it keeps only an audit's: a transaction, an inbox row and a commit each cost more than the handlers that
then did nothing.

Versions: a handler answers one version of a contract (the newest this build knows). An older version
is carried up to it by the upcasters registered in ``contracts/envelope.py``, unless the table answers
that older version itself (a version no upcaster can carry up: ``referrals.case.family_letter_owed``
version 1 carried what version 2 asks the referrals service for, so it is answered as it is); a newer version than this
build knows (a producer upgraded before this consumer) raises ``UnknownSchemaVersion``, so the message
is retried and then dead-lettered with that reason, to be redriven once this service is upgraded —
never acknowledged and dropped.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..contracts.envelope import Envelope, Event, contract_for, upcast
from ..unit_of_work import UnitOfWork
from .outbox import Outbox

# A use case answering an event: ``async def when_x_do_y(event: X, uow: UnitOfWork) -> None``.
EventHandler = Callable[[Any, UnitOfWork], Awaitable[None]]
EventHandlers = Mapping[type[Event], Sequence[EventHandler]]
# Which events of its contract a handler acts on, decided from the event alone (no store).
ActsOn = Callable[[Any], bool]
_H = TypeVar("_H", bound=Callable[..., Any])


def acts_only_on(predicate: ActsOn) -> Callable[[_H], _H]:
    """Declare that a handler does nothing with an event for which ``predicate`` is false. The handler
    keeps its own check: this only lets the consumer pass such an event over without a transaction."""
    def declare(handler: _H) -> _H:
        setattr(handler, "acts_only_on", predicate)  # noqa: B010 - a function's attribute
        return handler
    return declare


def _acts_on(handler: Callable[..., Any]) -> ActsOn | None:
    while isinstance(handler, functools.partial):  # a handler bound to a service's settings
        handler = handler.func
    found: ActsOn | None = getattr(handler, "acts_only_on", None)
    return found


class UnknownSchemaVersion(Exception):
    """An event of a type this service handles, at a version this build cannot read."""


def producer_of(contract: type[Event]) -> str:
    """The service that publishes ``contract`` (the first word of its subject)."""
    return contract.event_type.split(".", 1)[0]


def producers(table: EventHandlers) -> list[str]:
    return sorted({producer_of(contract) for contract in table})


def answered_versions(table: EventHandlers) -> dict[str, type[Event]]:
    """Per event type, the newest version the table answers."""
    return {contract.event_type: contract for contract in sorted(table, key=lambda c: c.schema_version)}


def read_as(contract: type[Event], env: Envelope) -> Event:
    """The envelope's event as ``contract``'s version: read as it is, or carried up by the registered
    upcasters; ``UnknownSchemaVersion`` when it cannot be (a newer version, or a step missing)."""
    if env.schema_version == contract.schema_version:
        return contract.model_validate(env.payload)
    payload = None
    if env.schema_version < contract.schema_version:
        payload = upcast(env.event_type, env.schema_version, env.payload, contract.schema_version)
    if payload is None:
        known = contract_for(env.event_type, env.schema_version)
        raise UnknownSchemaVersion(
            f"{env.event_type} version {env.schema_version} cannot be read by this build, which answers "
            f"version {contract.schema_version}" + ("" if known else " (upgrade this service, then redrive)"))
    return contract.model_validate(payload)


class EventDispatcher:
    def __init__(self, table: EventHandlers, outbox: Outbox, clock: Clock):
        self.table = table
        self.outbox = outbox
        self.clock = clock
        self.answered = answered_versions(table)
        # Per contract, the conditions of its handlers; None when one of them acts on every event.
        self._conditions: dict[type[Event], list[ActsOn] | None] = {}
        for contract, handlers in table.items():
            conditions = [_acts_on(handler) for handler in handlers]
            self._conditions[contract] = (None if any(c is None for c in conditions)
                                          else [c for c in conditions if c is not None])
        self._conditional = {c.event_type for c, conditions in self._conditions.items() if conditions is not None}

    def concerns(self, env: Envelope) -> bool:
        """Whether a handler acts on this event: False for an event type the table does not answer, or
        one every handler of which passes over (``acts_only_on``); True when that cannot be told (a
        payload that does not fit its contract, a version this build cannot read), since handling it
        then says why and dead-letters it."""
        contract = self.answered.get(env.event_type)
        if contract is None:
            return False
        if env.event_type not in self._conditional:
            return True
        try:
            event = self.read(env)
        except Exception:
            return True
        if event is None:
            return False
        conditions = self._conditions.get(type(event))
        return conditions is None or any(condition(event) for condition in conditions)

    def read(self, env: Envelope) -> Event | None:
        """The typed event: as it is when the table answers its version, else carried to the newest
        version the handlers answer; None if not this service's."""
        contract = self.answered.get(env.event_type)
        if contract is None:
            return None
        own = contract_for(env.event_type, env.schema_version)
        return read_as(own if own is not None and own in self.table else contract, env)

    async def __call__(self, session: AsyncSession, env: Envelope) -> None:
        event = self.read(env)
        if event is None:
            return
        handlers = self.table[type(event)]
        uow = UnitOfWork.joining(session, self.outbox, self.clock, cause=env)
        for handler in handlers:
            await handler(event, uow)
