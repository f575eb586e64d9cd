"""One table per service says which use case answers which event: ``EVENT_HANDLERS``.

The table maps a contract class to the handlers that answer it. ``EventDispatcher`` is what a
durable subscription calls for each envelope: it finds the contract, validates the payload (a payload
that does not fit its contract raises ``ValidationError``, which the consumer dead-letters with the
reason) and runs each handler inside the inbox's transaction, through a unit of work that joins it.
An event type that no handler in the table answers is not this service's business and is passed over;
so is a contract this build does not know yet.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..contracts.envelope import Envelope, Event, contract_for
from ..unit_of_work import UnitOfWork
from .outbox import Outbox

# A use case answering an event: ``async def when_x_do_y(event: X, uow: UnitOfWork) -> None``.
EventHandler = Callable[[Any, UnitOfWork], Awaitable[None]]
EventHandlers = Mapping[type[Event], Sequence[EventHandler]]


def producer_of(contract: type[Event]) -> str:
    """The service that publishes ``contract`` (the first word of its subject)."""
    return contract.event_type.split(".", 1)[0]


def producers(table: EventHandlers) -> list[str]:
    return sorted({producer_of(contract) for contract in table})


class EventDispatcher:
    def __init__(self, table: EventHandlers, outbox: Outbox, clock: Clock):
        self.table = table
        self.outbox = outbox
        self.clock = clock

    async def __call__(self, session: AsyncSession, env: Envelope) -> None:
        contract = contract_for(env.event_type, env.schema_version)
        if contract is None:
            return
        handlers = self.table.get(contract)
        if not handlers:
            return
        event = contract.model_validate(env.payload)
        uow = UnitOfWork.joining(session, self.outbox, self.clock, cause=env)
        for handler in handlers:
            await handler(event, uow)
