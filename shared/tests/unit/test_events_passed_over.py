"""Which events a service's consumer passes over without a transaction (``EventDispatcher.concerns``):
those no handler in its table answers, and those every handler declares (``acts_only_on``) it does
nothing with. Anything it cannot tell about is handled, so that a bad payload is dead-lettered."""
from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import MetaData

from safeguard_shared.bus.dispatch import EventDispatcher, acts_only_on
from safeguard_shared.bus.names import BusNames
from safeguard_shared.bus.outbox import Outbox
from safeguard_shared.clock import FixedDateClock
from safeguard_shared.contracts.envelope import Envelope, Event
from safeguard_shared.db import add_bus_tables

CLOCK = FixedDateClock(date(2027, 1, 5))


class ClockStarted(Event):
    """Test-only (not registered): a clock of some kind started."""

    event_type = "testing.clock.started"
    schema_version = 1
    key: str


class CaseClosed(Event):
    event_type = "testing.case.closed"
    schema_version = 1


def _env(event_type: str, payload: dict[str, Any]) -> Envelope:
    return Envelope(event_type=event_type, schema_version=1, occurred_at=CLOCK.now(), correlation_id="c",
                    producer="testing", payload=payload)


def _dispatcher(table: dict[type[Event], list[Any]]) -> EventDispatcher:
    outbox_table, _ = add_bus_tables(MetaData())
    return EventDispatcher(table, Outbox(outbox_table, BusNames(""), "testing"), CLOCK)


@acts_only_on(lambda event: event.key == "audit.date")
async def keeps_the_audit_date(event: ClockStarted, uow: object) -> None:
    return None


@acts_only_on(lambda event: event.key.startswith("survey."))
async def notes_a_survey_day(event: ClockStarted, uow: object, *, settings: str) -> None:
    return None


async def answers_every_case_closed(event: CaseClosed, uow: object) -> None:
    return None


def test_an_event_no_handler_acts_on_is_passed_over_and_one_any_handler_acts_on_is_not():
    dispatcher = _dispatcher({ClockStarted: [keeps_the_audit_date, partial(notes_a_survey_day, settings="s")],
                              CaseClosed: [answers_every_case_closed]})
    assert not dispatcher.concerns(_env("testing.clock.started", {"key": "rr.meeting"}))
    assert dispatcher.concerns(_env("testing.clock.started", {"key": "audit.date"}))
    # Through a handler bound to its settings (functools.partial), as the scheduling service binds them.
    assert dispatcher.concerns(_env("testing.clock.started", {"key": "survey.follow_up"}))
    assert dispatcher.concerns(_env("testing.case.closed", {}))


def test_an_event_type_the_table_does_not_answer_is_passed_over():
    assert not _dispatcher({CaseClosed: [answers_every_case_closed]}).concerns(_env("testing.clock.started",
                                                                                   {"key": "audit.date"}))


def test_a_payload_that_does_not_fit_its_contract_is_handled_so_that_it_is_dead_lettered_with_the_reason():
    dispatcher = _dispatcher({ClockStarted: [keeps_the_audit_date]})
    assert dispatcher.concerns(_env("testing.clock.started", {"no_key": "at all"}))


def test_one_handler_without_a_condition_makes_every_event_of_its_contract_concern_the_service():
    dispatcher = _dispatcher({ClockStarted: [keeps_the_audit_date, answers_every_case_closed]})
    assert dispatcher.concerns(_env("testing.clock.started", {"key": "rr.meeting"}))
