"""A fact that reaches the clock before its case, on a real NATS JetStream server (issue 14).

The repro: scheduling dies holding the ``referrals.case.opened`` unacknowledged; JetStream redelivers it
only after the ack wait, and meanwhile the ``notifications.notification.sent`` of the Panel's notice
arrives. Here the notice is published first and the case.opened only once the clock has taken the
notice: the notice is kept (its consumer acknowledges it, nothing is retried or dead-lettered) and
meets ``rr.panel_notified`` on the day it was sent, once the case opens.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import nats
import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_testing.apps import bearer, running
from safeguard_testing.toy import eventually
from scheduling.adapters.orm import early_facts, inbox

CASE = "e4a1f0c3-0000-4000-8000-0000000000e1"
MONDAY = date(2026, 12, 21)


@pytest.fixture
async def scheduling(databases, nats_url, bus_namespace, tmp_path, issuer):
    async with running(["scheduling"], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=FixedDateClock(date(2026, 12, 23))) as services:
        yield services["scheduling"]


async def publish(service, event, producer: str) -> str:
    env = event.envelope(producer=producer, occurred_at=datetime(2026, 12, 22, 10, tzinfo=UTC))
    runtime = service.runtime
    await runtime.bus.publish_event(runtime.names.subject(env.event_type), env.to_json(), env.event_id)
    return env.event_id


async def dead_letters(nats_url: str, service) -> int:
    nc = await nats.connect(nats_url)
    try:
        return (await nc.jetstream().stream_info(service.runtime.names.stream("dead_letters"))).state.messages
    finally:
        await nc.close()


async def test_a_panel_notice_sent_before_its_case_opened_is_kept_and_meets_the_clock(scheduling, nats_url, issuer):
    business_unit = bearer(issuer, "partnership", "business_unit")
    notice = await publish(scheduling, NotificationSent(
        notification_id="n-1", case_id=CASE, recipient_kind="national_panel",
        template="serious_incident_notification", channel="outbox", sent_on=date(2026, 12, 22)), "notifications")

    async def taken() -> bool:  # handled and acknowledged: in the inbox, kept as an early fact
        rows = await scheduling.rows(inbox)
        return any(r["event_id"] == notice for r in rows) and await scheduling.count(early_facts) == 1

    assert await eventually(taken, timeout=10), "the early notice was refused (retried, then dead-lettered)"

    await publish(scheduling, CaseOpened(
        case_id=CASE, case_ref="RR-2026-E4A1F0", pathway="child", referring_agency="police", received_on=MONDAY,
        became_aware_on=MONDAY, involved_agencies=["local_authority", "police"], serious_incident=True,
        rapid_review=True, notices_owed=["national_panel"]), "referrals")

    async def panel_clock() -> dict | None:
        rows = (await scheduling.client.get("/v1/deadlines", params={"case_id": CASE}, headers=business_unit)).json()
        met = [r for r in rows if r["key"] == "rr.panel_notified" and r["status"] == "met"]
        return met[0] if met else None

    met = await eventually(panel_clock, timeout=15)
    assert met, "rr.panel_notified was never met"
    assert met["met_on"] == "2026-12-22" and met["on_time"] is True
    assert await scheduling.count(early_facts) == 0
    assert await dead_letters(nats_url, scheduling) == 0
