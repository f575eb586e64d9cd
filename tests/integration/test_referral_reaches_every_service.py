"""One referral, five services: the police refer docs/architecture.md's serious incident and, through
NATS JetStream alone, the statutory clock starts, the national Panel is notified, and the board's
figures count the case.

All five services run in-process with their real bootstrap, lifespan, stores (SQLite, then
PostgreSQL), outbox relays and durable consumers, on a real NATS server in a namespace of this
test's own. The business date is fixed at Monday 21 December 2026.
"""
from __future__ import annotations

import email
import json
from email import policy

import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import (
    CANARIES,
    EXAMPLE_DATE,
    SERVICES,
    ReferralEffects,
    running,
)
from safeguard_testing.toy import eventually


@pytest.fixture
async def partnership(databases, nats_url, bus_namespace, tmp_path, issuer):
    async with running(SERVICES, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=FixedDateClock(EXAMPLE_DATE)) as services:
        yield services


async def test_a_serious_incident_referral_reaches_the_clock_the_panel_and_the_board(partnership, issuer):
    notifications = partnership["notifications"]
    effects = ReferralEffects.as_business_unit(partnership, issuer)
    case_id = await effects.refer_example_child(issuer)

    async def everything_counted():
        figures = await effects.figures()
        counted = (figures["cases"]["open"] == 1 and figures["notifications"]["sent"] == 1
                   and "rr.complete" in figures["deadlines"]["by_key"])
        return figures if counted else None

    # The clock: 15 working days after Monday 21 December 2026, passing over Christmas Day, the
    # Boxing Day substitute (Monday 28th), New Year's Day and three weekends: Thursday 14 January 2027.
    [complete] = await eventually(lambda: effects.rapid_review_complete(case_id), timeout=15)
    assert complete["due"] == "2027-01-14"
    assert "Christmas Day" in complete["explanation"]

    # The Panel: one e-mail in the mail folder, recorded as sent.
    [notice] = await eventually(lambda: effects.panel_notified(case_id), timeout=15)
    assert notice["template"] == "serious_incident_notification"
    [eml] = list((notifications.data_dir / "outbox").glob("*.eml"))
    assert eml.name == f"{notice['notification_id']}.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "national-panel@recipients.invalid"

    # The board: one open child case at the rapid review stage, its clocks and the Panel's notice,
    # each counted from the event of the service that owns it.
    figures = await eventually(everything_counted, timeout=15)
    assert figures, await effects.figures()
    assert figures["cases"]["by_pathway"] == {"child": 1}
    assert figures["cases"]["by_stage"] == {"rapid_review": 1}
    assert figures["notifications"]["by_recipient_kind"] == {"national_panel": 1}

    # Nothing identifying the child left the referrals store: not the e-mail, not the figures.
    leaving = [eml.read_text(), json.dumps(figures), json.dumps(notice), json.dumps(complete)]
    for text in leaving:
        for canary in CANARIES:
            assert canary not in text
