"""A projection: the read-model rows one event sets, and the use case that writes them.

Each contract reporting counts has one projection (``event_handlers.EVENT_HANDLERS``). Its rows are
a pure function of the event and the moment it happened, and nothing reads them back while a
transaction writes them. So a replay folds the rows of many events in memory and writes them in
bulk, and the live consumer does the same with the events of the batch it handles in one transaction
(``safeguard_shared.db.deferred``); where that transaction writes at once (a careful pass, each event in
a savepoint of its own), each event's rows are written as it is handled.

Some facts are dated by when their event happened (a scoping request went out the day it was
published), which the envelope says, not the event: the unit of work carries the envelope it is
handling (``uow.cause``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from safeguard_shared.contracts import Event
from safeguard_shared.db import deferred
from safeguard_shared.partnership import LONDON
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import read_models
from ..adapters.read_models import Batch, Change

E = TypeVar("E", bound=Event)

def business_date(at: datetime) -> date:
    """The partnership's day (Europe/London) an event happened on."""
    return at.astimezone(LONDON).date()


@dataclass(frozen=True, slots=True)
class Projection(Generic[E]):
    """The rows an event of one contract sets; called with a unit of work, it writes them."""

    rows: Callable[[E, datetime], list[Change]]

    async def __call__(self, event: E, uow: UnitOfWork) -> None:
        happened_at = uow.cause.occurred_at if uow.cause else uow.now()
        changes = self.rows(event, happened_at)
        batch = deferred(uow.session, Batch, Batch)
        if batch is None:
            await read_models.write(uow.session, changes)
            return
        for change in changes:
            batch.add(change)
