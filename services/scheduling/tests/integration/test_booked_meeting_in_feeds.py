"""The booked rapid review meeting appears in the calendar feeds as itself (issue 13): on its day, at
its time, titled with the case reference, with the same UID and SEQUENCE as the invitation each agency
received — and only to the agencies invited. On SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from icalendar import Calendar

from safeguard_shared.contracts.referrals import MeetingRebooked, ScopingRequested, rapid_review_meeting_uid
from safeguard_shared.partnership import LONDON
from safeguard_testing.apps import bearer, scheduling_with_a_child_case

CASE = "5a1f0c3e-0000-4000-8000-0000000000cc"
BOOKED = dict(case_id=CASE, case_ref="RR-2026-0000CC", agencies=["local_authority", "police", "icb"],
              meeting_on=date(2027, 1, 6), window_start=date(2027, 1, 4), window_end=date(2027, 1, 12),
              meeting_time=time(10, 0), meeting_place="Room 4, Civic Centre")


@pytest.fixture
async def scheduling(databases, tmp_path, issuer):
    async with scheduling_with_a_child_case(CASE, databases=databases, data_dir=tmp_path, issuer=issuer) as service:
        yield service


async def _handle(service, event) -> None:
    runtime = service.runtime
    env = event.envelope(producer="referrals", occurred_at=runtime.clock.now())
    await runtime.inbox.handle_once("scheduling", env, runtime.subscriptions[0].handle)


async def _meetings(service, path: str, token: dict) -> list:
    response = await service.client.get(path, headers=token)
    assert response.status_code == 200, response.text
    return [e for e in Calendar.from_ical(response.content).walk("VEVENT")
            if str(e["x-safeguard-duty"]) == "rr.meeting.booked"]


async def test_the_booked_meeting_is_in_the_feeds_as_itself_and_follows_a_rebooking(scheduling, issuer):
    police = bearer(issuer, "police", "safeguarding_lead")
    assert await _meetings(scheduling, f"/v1/calendar/cases/{CASE}.ics", police) == []

    await _handle(scheduling, ScopingRequested(referring_agency="police", **BOOKED))
    [meeting] = await _meetings(scheduling, f"/v1/calendar/cases/{CASE}.ics", police)
    assert str(meeting["summary"]) == "Rapid review meeting: partnership case RR-2026-0000CC"
    assert str(meeting["uid"]) == rapid_review_meeting_uid(CASE), "the invitation's UID: one event, not two"
    assert meeting.decoded("dtstart") == datetime(2027, 1, 6, 10, 0, tzinfo=LONDON)
    assert int(meeting["sequence"]) == 0
    assert "Civic Centre" not in meeting.to_ical().decode(), "the place stays in the invitation"

    # Moved to the 8th at 14:00: the same event, its SEQUENCE the booking; a late copy of the first
    # booking (a redelivery) does not move it back.
    await _handle(scheduling, MeetingRebooked(booking=1, **{**BOOKED, "meeting_on": date(2027, 1, 8),
                                                            "meeting_time": time(14, 0)}))
    await _handle(scheduling, ScopingRequested(referring_agency="police", **{**BOOKED, "meeting_place": "x"}))
    [moved] = await _meetings(scheduling, "/v1/calendar/agencies/police.ics", police)
    assert moved.decoded("dtstart") == datetime(2027, 1, 8, 14, 0, tzinfo=LONDON) and int(moved["sequence"]) == 1

    # An agency not invited does not see it; the business unit does.
    school = bearer(issuer, "school", "safeguarding_lead")
    assert await _meetings(scheduling, "/v1/calendar/agencies/school.ics", school) == []
    bu = bearer(issuer, "partnership", "business_unit")
    assert len(await _meetings(scheduling, f"/v1/calendar/cases/{CASE}.ics", bu)) == 1
