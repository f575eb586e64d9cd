"""The messages a person acts on name the case, the meeting's day, time and place: a referral, then the
business unit's scoping request with the rapid review meeting's time and place, through the real
services on a real NATS JetStream server (SQLite, then PostgreSQL). The e-mails are read as the
notifications service wrote them (``.eml`` files in its mail folder).
"""
from __future__ import annotations

import email
from datetime import UTC, date, datetime, time
from email import policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from safeguard_shared.clock import ManualClock
from safeguard_testing.apps import bearer, example_child_referral, running
from safeguard_testing.toy import eventually

SERVICES = ("referrals", "scheduling", "notifications")
MONDAY_21_DECEMBER_2026 = datetime.combine(date(2026, 12, 21), time(9), tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
async def clock():
    return ManualClock(MONDAY_21_DECEMBER_2026.astimezone(UTC))


@pytest.fixture
async def partnership(databases, nats_url, bus_namespace, tmp_path, issuer, clock):
    async with running(SERVICES, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=clock) as services:
        yield services


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def test_the_invitation_and_the_reminders_name_the_case_the_day_the_time_and_the_place(partnership, issuer,
                                                                                            clock):
    referrals, notifications = partnership["referrals"], partnership["notifications"]
    police, business_unit = bearer(issuer, "police", "referrer"), bearer(issuer, "partnership", "business_unit")
    created = await referrals.client.post("/v1/referrals/child", json=example_child_referral(), headers=police)
    assert created.status_code == 201, created.text
    case_id, case_ref = created.json()["case_id"], created.json()["case_ref"]
    scoping = {"involved_agencies": ["local_authority", "police", "icb", "school"], "meeting_on": "2027-01-06",
               "meeting_time": "14:30", "meeting_place": "Room 2, Civic Centre"}

    async def scoping_requested():  # the clock's rr.meeting window reaches the case through the bus
        r = await referrals.client.post(f"/v1/cases/{case_id}/scoping", json=scoping, headers=business_unit)
        return None if r.status_code == 409 and "not known yet" in r.text else r

    requested = await eventually(scoping_requested, timeout=15)
    assert requested is not None and requested.status_code == 200, requested.text if requested else "no window"

    async def sent(template: str):
        rows = (await notifications.client.get("/v1/notifications", params={"case_id": case_id},
                                               headers=business_unit)).json()
        found = [r for r in rows if r["template"] == template and r["status"] == "sent"]
        return found or None

    def eml(notice: dict) -> EmailMessage:
        path = notifications.data_dir / "outbox" / f"{notice['notification_id']}.eml"
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message

    invitations = await eventually(lambda: sent("meeting_invitation"), timeout=20)
    assert invitations, "no meeting invitation was sent"
    invitation = text_of(eml(invitations[0]))
    assert case_ref in invitation
    assert "Date: Wednesday 6 January 2027" in invitation
    assert "Time: 14:30" in invitation
    assert "Place: Room 2, Civic Centre" in invitation
    assert "to be confirmed" not in invitation

    # Friday 8 January: the meeting (due by Tuesday 12th, not yet held) is two working days away, so
    # the ticker reminds the business unit.
    clock.set(datetime.combine(date(2027, 1, 8), time(9), tzinfo=ZoneInfo("Europe/London")).astimezone(UTC))
    reminders = await eventually(lambda: sent("deadline_reminder"), timeout=25)
    assert reminders, "no deadline reminder was sent"
    reminder = eml(reminders[0])
    assert f"partnership case {case_ref}" in text_of(reminder)
    assert "your case" not in text_of(reminder)
