"""Events of another schema version: an older one is carried up by its upcasters; a newer one than this
build knows is refused (so it is retried, dead-lettered with the reason and redriven after the upgrade),
never acknowledged and dropped."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import MetaData

from safeguard_shared.bus.dispatch import EventDispatcher, UnknownSchemaVersion
from safeguard_shared.bus.names import BusNames
from safeguard_shared.bus.outbox import Outbox
from safeguard_shared.clock import FixedDateClock
from safeguard_shared.contracts.envelope import Envelope, Event, register_upcaster
from safeguard_shared.contracts.referrals import PanelResponded
from safeguard_shared.db import add_bus_tables

CLOCK = FixedDateClock(date(2027, 1, 5))


class MeetingBookedV2(Event):
    """Test-only (not registered, so no document lists it): version 2; version 1 had one ``when``."""

    event_type = "testing.meeting.booked"
    schema_version = 2
    held_on: date
    place: str


@register_upcaster("testing.meeting.booked", 1)
def _v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {"held_on": payload["when"], "place": "not recorded (version 1 had no place)"}


def _env(event_type: str, version: int, payload: dict[str, Any]) -> Envelope:
    return Envelope(event_type=event_type, schema_version=version, occurred_at=CLOCK.now(), correlation_id="c",
                    producer="testing", payload=payload)


def _dispatcher(*contracts: type[Event]) -> EventDispatcher:
    outbox_table, _ = add_bus_tables(MetaData())

    async def noop(event: Event, uow: object) -> None:
        return None

    return EventDispatcher({c: [noop] for c in contracts}, Outbox(outbox_table, BusNames(""), "testing"), CLOCK)


def test_the_version_the_handlers_answer_is_read_as_it_is():
    event = _dispatcher(MeetingBookedV2).read(_env("testing.meeting.booked", 2, {"held_on": "2027-01-12",
                                                                                "place": "Town hall"}))
    assert event == MeetingBookedV2(held_on=date(2027, 1, 12), place="Town hall")


def test_an_older_version_is_carried_up_by_its_upcaster():
    event = _dispatcher(MeetingBookedV2).read(_env("testing.meeting.booked", 1, {"when": "2027-01-12"}))
    assert isinstance(event, MeetingBookedV2)
    assert event.held_on == date(2027, 1, 12) and event.place.startswith("not recorded")


def test_a_newer_version_than_this_build_knows_is_refused_with_its_reason_not_dropped():
    with pytest.raises(UnknownSchemaVersion, match=r"version 3 cannot be read by this build.*upgrade"):
        _dispatcher(MeetingBookedV2).read(_env("testing.meeting.booked", 3, {"held_on": "2027-01-12"}))


class AgencyToldV2(Event):
    """Test-only (not registered, so no document lists it): version 2 of an event with no upcaster from version 1."""

    event_type = "testing.agency.told"
    schema_version = 2
    agency: str


def test_an_older_version_without_an_upcaster_is_refused_too():
    with pytest.raises(UnknownSchemaVersion):
        _dispatcher(AgencyToldV2).read(_env("testing.agency.told", 1, {"agency": "police"}))


def test_an_event_type_the_service_does_not_answer_is_passed_over_at_any_version():
    assert _dispatcher(MeetingBookedV2).read(_env(PanelResponded.event_type, 7, {})) is None
