"""The rapid review meeting's messages as their recipients' mail programs read them (issue 13), over
the real SMTP test server, on SQLite and PostgreSQL.

Scoping is requested for partnership case RR-2027-3F1C2B: every involved agency gets the scoping
letter and the meeting invitation, each with a calendar part. Outlook files both under one event
only if both carry the same UID; a meeting booked after the date by which the rapid review should
be complete (the clock's rr.complete) is told to the business unit in plain words.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from icalendar import Calendar

from notifications.adapters.orm import notifications
from safeguard_shared.contracts.referrals import MeetingRebooked, ScopingRequested

CASE, REF = "3f1c2b7a-5d4e-4f60-9a8b-1c2d3e4f5a6b", "RR-2027-3F1C2B"
AGENCIES = ["local_authority", "police", "icb", "school"]
PARTNERSHIP = dict(partnership="Northshire Safeguarding Children Partnership",
                   partnership_address="County Hall, Market Street, Northtown NT1 1AA",
                   partnership_phone="01632 960123", partnership_email="safeguarding.partnership@northshire.example")


def scoping(**changes) -> ScopingRequested:
    values = dict(case_id=CASE, case_ref=REF, referring_agency="police", agencies=AGENCIES,
                  meeting_on=date(2027, 1, 14), window_start=date(2027, 1, 13), window_end=date(2027, 1, 21),
                  meeting_time=time(10, 30), meeting_place="Committee Room 2, County Hall")
    return ScopingRequested(**{**values, **changes})


@pytest.fixture
async def service(databases, tmp_path, issuer, smtp_server, make_service, over_smtp):
    async with make_service(await databases.anew("notifications"), tmp_path, issuer,
                            **over_smtp(smtp_server), **PARTNERSHIP) as running:
        yield running


async def send(service, event: ScopingRequested) -> None:
    env = event.envelope(producer="referrals", occurred_at=datetime(2027, 1, 4, 10, tzinfo=UTC))
    assert await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)
    while await service.app.state.dispatcher.dispatch_once():
        pass


async def received_by_template(service, smtp_server) -> dict[str, list]:
    rows = {r["notification_id"]: r for r in await service.rows(notifications)}
    found: dict[str, list] = {}
    for message in smtp_server.relay.received:
        row = rows[message["X-Safeguard-Notification"]]
        found.setdefault(row["template"], []).append((row, message))
    return found


def meeting_event(message):
    """The VEVENT of the message's calendar part (text/calendar; method=REQUEST), as icalendar reads it."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    return event


async def test_the_scoping_letter_and_the_invitation_are_one_calendar_event(service, smtp_server):
    await send(service, scoping())
    sent = await received_by_template(service, smtp_server)
    assert len(sent["scoping_request"]) == len(sent["meeting_invitation"]) == len(AGENCIES)
    uids = set()
    for agency in AGENCIES:
        [(_, letter)] = [(r, m) for r, m in sent["scoping_request"] if r["agency"] == agency]
        [(_, invitation)] = [(r, m) for r, m in sent["meeting_invitation"] if r["agency"] == agency]
        in_letter, in_invitation = meeting_event(letter), meeting_event(invitation)
        # The same UID and SEQUENCE, the same time and place: Outlook updates one event, not two.
        assert str(in_letter["UID"]) == str(in_invitation["UID"])
        assert int(in_letter["SEQUENCE"]) == int(in_invitation["SEQUENCE"]) == 0
        assert in_letter["DTSTART"].dt == in_invitation["DTSTART"].dt == datetime(2027, 1, 14, 10, 30, tzinfo=UTC)
        assert str(in_letter["LOCATION"]) == str(in_invitation["LOCATION"]) == "Committee Room 2, County Hall"
        uids.add(str(in_letter["UID"]))
    assert len(uids) == 1, "one meeting, one UID in every agency's letter and invitation"


async def test_a_meeting_booked_after_the_completion_date_is_told_to_the_business_unit(service, smtp_server):
    await send(service, scoping(complete_by=date(2027, 1, 13)))
    [(row, message)] = (await received_by_template(service, smtp_server))["rapid_review_after_completion_date"]
    assert row["recipient_kind"] == "business_unit"
    assert message["Subject"] == "A rapid review meeting is booked after the rapid review is due"
    assert not [p for p in message.walk() if p.get_content_type() == "text/calendar"], "a warning, not an invitation"
    text = " ".join(message.get_body(("plain",)).get_content().split())
    assert (f"Partnership case {REF}: the rapid review meeting is booked for Thursday 14 January 2027. That is "
            "after Wednesday 13 January 2027, the date by which the rapid review should be completed") in text
    # Here the whole window (from 13 January) is not after it: the meeting can move to the 13th.
    assert "bring the meeting forward to Wednesday 13 January 2027 or earlier" in text
    assert "01632 960123" in text and "safeguarding.partnership@northshire.example" in text


async def test_a_meeting_whose_window_opens_after_the_completion_date_asks_for_the_reason_it_is_late(
        service, smtp_server):
    await send(service, scoping(complete_by=date(2027, 1, 8)))
    [(_, message)] = (await received_by_template(service, smtp_server))["rapid_review_after_completion_date"]
    text = " ".join(message.get_body(("plain",)).get_content().split())
    assert ("Even the meeting's window opens after that date (it runs from Wednesday 13 January 2027 to "
            "Thursday 21 January 2027)") in text
    assert "record on the case why the rapid review will be late" in text


async def test_a_meeting_in_time_tells_the_business_unit_nothing(service, smtp_server):
    await send(service, scoping())
    assert "rapid_review_after_completion_date" not in await received_by_template(service, smtp_server)


async def test_a_moved_meeting_is_the_same_calendar_event_with_the_next_sequence(service, smtp_server):
    await send(service, scoping())
    await send(service, MeetingRebooked(case_id=CASE, case_ref=REF, agencies=AGENCIES, booking=1,
                                        meeting_on=date(2027, 1, 15), window_start=date(2027, 1, 13),
                                        window_end=date(2027, 1, 21), meeting_time=time(14, 0),
                                        meeting_place="https://meet.example.org/rr"))
    # Delivered again (a redelivery): nobody is invited twice.
    await send(service, MeetingRebooked(case_id=CASE, case_ref=REF, agencies=AGENCIES, booking=1,
                                        meeting_on=date(2027, 1, 15), window_start=date(2027, 1, 13),
                                        window_end=date(2027, 1, 21), meeting_time=time(14, 0),
                                        meeting_place="https://meet.example.org/rr"))
    invitations = (await received_by_template(service, smtp_server))["meeting_invitation"]
    assert len(invitations) == 2 * len(AGENCIES), "the first invitation and the moved one, to each agency"
    for agency in AGENCIES:
        first, moved = [meeting_event(m) for r, m in invitations if r["agency"] == agency]
        assert str(first["UID"]) == str(moved["UID"]), "Outlook moves the one event"
        assert (int(first["SEQUENCE"]), int(moved["SEQUENCE"])) == (0, 1)
        assert moved["DTSTART"].dt == datetime(2027, 1, 15, 14, 0, tzinfo=UTC)
        assert str(moved["LOCATION"]) == "https://meet.example.org/rr"
    [(_, message)] = [(r, m) for r, m in invitations
                      if r["agency"] == "police" and meeting_event(m)["SEQUENCE"] == 1]
    text = " ".join(message.get_body(("plain",)).get_content().split())
    assert f"The rapid review meeting for partnership case {REF} has been moved" in text
    assert "Date: Friday 15 January 2027 Time: 14:00" in text and "Online: https://meet.example.org/rr" in text
