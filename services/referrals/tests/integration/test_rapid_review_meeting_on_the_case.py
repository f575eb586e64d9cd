"""The rapid review meeting as the case shows it (issue 13), on SQLite and PostgreSQL.

A serious incident the police became aware of on Tuesday 8 December 2026 is referred on Monday
21 December. The clock (scheduling) counts the meeting's window, 7 to 13 working days after receipt
(Monday 4 to Tuesday 12 January 2027), and the date by which the rapid review should be complete,
15 working days after becoming aware (Thursday 31 December 2026): the whole window lies after it.
The business unit books the meeting for Tuesday 5 January at 10:30 in a committee room. The case
then shows the agencies the meeting's date, time and place, and tells the business unit in plain
words that the review cannot be completed in time.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from referrals.adapters.orm import outbox
from referrals.application.event_handlers import EVENT_HANDLERS
from safeguard_shared.bus.dispatch import EventDispatcher
from safeguard_shared.contracts.scheduling import DeadlineChanged, DeadlineScheduled
from safeguard_testing.apps import bearer, example_child_referral

BECAME_AWARE = "2026-12-08"
COMPLETE_BY = date(2026, 12, 31)
COMPLETE_DUTY = "the rapid review is completed"
PLACE = "Committee Room 2, County Hall, Market Street, Northtown"


async def clock_counts(referrals, case_id: str, key: str, due: date, window_start: date | None = None,
                       description: str | None = None) -> None:
    """The scheduling service's DeadlineScheduled, delivered as the service's consumer delivers it."""
    event = DeadlineScheduled(deadline_id=f"d-{key}-{case_id}", key=key, case_id=case_id, due=due,
                              window_start=window_start, description=description)
    runtime = referrals.runtime
    env = event.envelope(producer="scheduling", occurred_at=datetime(2026, 12, 21, 9, tzinfo=UTC))
    assert await runtime.inbox.handle_once("referrals", env, EventDispatcher(EVENT_HANDLERS, runtime.outbox,
                                                                              runtime.clock))


async def open_case_with_its_clocks(referrals, police: dict, complete_by: date = COMPLETE_BY) -> str:
    referral = example_child_referral(incident={"occurred_on": "2026-12-07", "became_aware_on": BECAME_AWARE})
    response = await referrals.client.post("/v1/referrals/child", json=referral, headers=police)
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    await clock_counts(referrals, case_id, "rr.meeting", date(2027, 1, 12), window_start=date(2027, 1, 4))
    await clock_counts(referrals, case_id, "rr.complete", complete_by, description=COMPLETE_DUTY)
    return case_id


def scoping(meeting_on: str = "2027-01-05") -> dict:
    return {"involved_agencies": ["local_authority", "police", "icb", "school"], "meeting_on": meeting_on,
            "meeting_time": "10:30", "meeting_place": PLACE}


async def test_the_case_shows_the_agencies_the_meetings_date_time_and_place(referrals, issuer):
    police, bu = bearer(issuer, "police", "referrer"), bearer(issuer, "partnership", "business_unit")
    case_id = await open_case_with_its_clocks(referrals, police, complete_by=date(2027, 1, 14))
    before = (await referrals.client.get(f"/v1/cases/{case_id}", headers=police)).json()
    assert "meeting" not in before, "no meeting until scoping sets it"

    answer = await referrals.client.post(f"/v1/cases/{case_id}/scoping", json=scoping(), headers=bu)
    assert answer.status_code == 200, answer.text

    # The police (the referring agency, progress only) see where and when to attend; not the
    # referral's identifying details.
    case = (await referrals.client.get(f"/v1/cases/{case_id}", headers=police)).json()
    assert "referral" not in case
    assert case["meeting"] == {"meeting_on": "2027-01-05", "meeting_time": "10:30:00", "meeting_place": PLACE,
                               "online": False, "window": ["2027-01-04", "2027-01-12"],
                               "complete_by": "2027-01-14", "warnings": []}
    # An agency the case does not involve sees nothing of it.
    housing = bearer(issuer, "housing", "referrer")
    assert (await referrals.client.get(f"/v1/cases/{case_id}", headers=housing)).status_code == 403


async def test_a_meeting_after_the_15_day_date_is_warned_of_in_the_answer_the_case_and_its_history(
        referrals, issuer):
    police, bu = bearer(issuer, "police", "referrer"), bearer(issuer, "partnership", "business_unit")
    case_id = await open_case_with_its_clocks(referrals, police)

    answer = await referrals.client.post(f"/v1/cases/{case_id}/scoping", json=scoping(), headers=bu)
    assert answer.status_code == 200, answer.text
    [warning] = answer.json()["warnings"]
    assert warning.startswith("The rapid review meeting on Tuesday 5 January 2027 is after Thursday 31 December "
                              "2026, the date by which the rapid review is completed")
    assert "Even the meeting's window opens after it (on Monday 4 January 2027)" in warning

    case = (await referrals.client.get(f"/v1/cases/{case_id}", headers=police)).json()
    assert case["meeting"]["complete_by"] == "2026-12-31" and case["meeting"]["warnings"] == [warning]
    # On the case history, for every reader of the case's progress (the place stays with the detail).
    [line] = [h for h in (await referrals.client.get(f"/v1/cases/{case_id}/history", headers=police)).json()
              if h["action"] == "scoping_requested"]
    assert line["detail"]["warnings"] == [warning] and "meeting_place" not in line["detail"]


async def test_a_meeting_on_or_before_the_15_day_date_gives_no_warning(referrals, issuer):
    police, bu = bearer(issuer, "police", "referrer"), bearer(issuer, "partnership", "business_unit")
    case_id = await open_case_with_its_clocks(referrals, police, complete_by=date(2027, 1, 14))
    body = {**scoping("2027-01-14"), "outside_window_reason": "the chair's first free day",
            "meeting_place": "https://meet.example.org/rr"}
    answer = await referrals.client.post(f"/v1/cases/{case_id}/scoping", json=body, headers=bu)
    assert answer.status_code == 200, answer.text
    assert answer.json()["warnings"] == []
    meeting = (await referrals.client.get(f"/v1/cases/{case_id}", headers=bu)).json()["meeting"]
    assert meeting["online"] is True and meeting["warnings"] == [] and meeting["complete_by"] == "2027-01-14"


async def test_a_meeting_moved_before_it_is_held_is_shown_and_every_agency_is_invited_again(referrals, issuer):
    police, bu = bearer(issuer, "police", "referrer"), bearer(issuer, "partnership", "business_unit")
    case_id = await open_case_with_its_clocks(referrals, police, complete_by=date(2027, 1, 14))
    assert (await referrals.client.post(f"/v1/cases/{case_id}/scoping", json=scoping(), headers=bu)).status_code == 200

    moved = {"meeting_on": "2027-01-07", "meeting_time": "14:00", "meeting_place": "https://meet.example.org/rr"}
    assert (await referrals.client.post(f"/v1/cases/{case_id}/meeting", json=moved, headers=police)).status_code == 403
    answer = await referrals.client.post(f"/v1/cases/{case_id}/meeting", json=moved, headers=bu)
    assert answer.status_code == 200, answer.text
    assert answer.json()["meeting_on"] == "2027-01-07"
    meeting = (await referrals.client.get(f"/v1/cases/{case_id}", headers=police)).json()["meeting"]
    assert (meeting["meeting_on"], meeting["meeting_time"], meeting["online"]) == ("2027-01-07", "14:00:00", True)

    [event] = [json.loads(row["body"])["payload"] for row in await referrals.rows(outbox)
               if row["subject"].endswith("meeting_rebooked")]
    assert event["booking"] == 1 and event["agencies"] == ["local_authority", "police", "icb", "school"]
    history = (await referrals.client.get(f"/v1/cases/{case_id}/history", headers=police)).json()
    [line] = [h for h in history if h["action"] == "meeting_rebooked"]
    assert line["detail"]["booking"] == 1 and line["detail"]["meeting_on"] == "2027-01-07"

    # The same booking again changes nothing and says so.
    again = await referrals.client.post(f"/v1/cases/{case_id}/meeting", json=moved, headers=bu)
    assert again.status_code == 409 and "already booked" in again.text


async def test_the_completion_date_follows_the_clock_when_it_moves(referrals, issuer):
    police, bu = bearer(issuer, "police", "referrer"), bearer(issuer, "partnership", "business_unit")
    case_id = await open_case_with_its_clocks(referrals, police, complete_by=date(2027, 1, 14))
    # The awareness date corrected earlier: the clock moves rr.complete to Thursday 31 December.
    moved = DeadlineChanged(deadline_id=f"d-rr.complete-{case_id}", key="rr.complete", case_id=case_id,
                            due=COMPLETE_BY, description=COMPLETE_DUTY, change="moved", status="pending",
                            previous_due=date(2027, 1, 14), reason="became_aware_on changed")
    runtime = referrals.runtime
    env = moved.envelope(producer="scheduling", occurred_at=datetime(2026, 12, 21, 10, tzinfo=UTC))
    assert await runtime.inbox.handle_once("referrals", env, EventDispatcher(EVENT_HANDLERS, runtime.outbox,
                                                                              runtime.clock))
    answer = await referrals.client.post(f"/v1/cases/{case_id}/scoping", json=scoping(), headers=bu)
    [warning] = answer.json()["warnings"]
    assert "after Thursday 31 December 2026" in warning
