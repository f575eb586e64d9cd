"""Facts kept for a case that never opens (issue 14): the business unit can list those held longer
than a bound, so a clock that would wait for ever is noticed and looked into.

A Panel notice is recorded for a case scheduling has never heard of (its case.opened lost upstream);
the fact is kept. An hour is nothing (a case.opened comes again within the consumer's ack wait), so it
is listed only once it has been held longer than the bound asked for; once the case opens, it is
applied and no longer listed.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from safeguard_shared.clock import ManualClock
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_testing.apps import bearer, migrated

NEVER_OPENED = "0e1f2a3b-0000-4000-8000-00000000e14a"
RECEIVED = datetime(2026, 12, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
async def scheduling(databases, tmp_path, issuer):
    clock = ManualClock(RECEIVED)
    async with migrated("scheduling", database_url=await databases.at_head("scheduling"), data_dir=tmp_path,
                        issuer=issuer, clock=clock) as service:
        service.clock = clock
        yield service


async def handle(service, event, producer: str) -> None:
    runtime = service.runtime
    env = event.envelope(producer=producer, occurred_at=runtime.clock.now())
    await runtime.inbox.handle_once("scheduling", env, runtime.subscriptions[0].handle)


async def test_a_fact_held_for_a_case_that_never_opened_is_listed_once_held_longer_than_the_bound(
        scheduling, issuer):
    business_unit = bearer(issuer, "partnership", "business_unit")
    await handle(scheduling, NotificationSent(
        notification_id="n-held", case_id=NEVER_OPENED, recipient_kind="national_panel",
        template="serious_incident_notification", channel="outbox", sent_on=date(2026, 12, 22)), "notifications")

    async def held(older_than: str | None = None) -> dict:
        params = {"older_than": older_than} if older_than else {}
        answer = await scheduling.client.get("/v1/early-facts", params=params, headers=business_unit)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert (await held())["count"] == 0, "just kept: within the default bound of an hour"

    scheduling.clock.set(RECEIVED + timedelta(hours=26))
    listed = await held()
    assert listed["older_than_seconds"] == 3600
    [fact] = listed["early_facts"]
    assert fact == {"occasion": "case", "case_id": NEVER_OPENED, "fact": "panel_notified", "on": "2026-12-22",
                    "agency": None, "received_at": "2026-12-22T10:00:00+00:00", "held_for_seconds": 26 * 3600}
    assert (await held("P1D"))["count"] == 1
    assert (await held("P2D"))["count"] == 0, "held 26 hours: not longer than two days"
    assert (await held("PT25H59M"))["count"] == 1

    # The case opens at last: the fact is applied, and nothing is held any more.
    await handle(scheduling, CaseOpened(
        case_id=NEVER_OPENED, case_ref="RR-2026-0E1F2A", pathway="child", referring_agency="police",
        received_on=date(2026, 12, 21), became_aware_on=date(2026, 12, 21),
        involved_agencies=["local_authority", "police"], serious_incident=True, rapid_review=True,
        notices_owed=["national_panel"]), "referrals")
    assert (await held("PT0S"))["count"] == 0
    rows = (await scheduling.client.get("/v1/deadlines", params={"case_id": NEVER_OPENED},
                                        headers=business_unit)).json()
    [panel] = [r for r in rows if r["key"] == "rr.panel_notified"]
    assert panel["status"] == "met" and panel["met_on"] == "2026-12-22"


async def test_only_the_business_unit_and_an_admin_see_held_facts_and_a_bad_bound_is_named(scheduling, issuer):
    assert (await scheduling.client.get("/v1/early-facts")).status_code == 401
    referrer = await scheduling.client.get("/v1/early-facts", headers=bearer(issuer, "police", "referrer"))
    assert referrer.status_code == 403
    admin = await scheduling.client.get("/v1/early-facts", headers=bearer(issuer, "partnership", "admin"))
    assert admin.status_code == 200 and admin.json()["count"] == 0
    business_unit = bearer(issuer, "partnership", "business_unit")
    for bad in ("soon", "-PT1H", "P20000D"):
        answer = await scheduling.client.get("/v1/early-facts", params={"older_than": bad}, headers=business_unit)
        assert answer.status_code == 422, bad
        assert [p["loc"] for p in answer.json()["detail"]] == [["query", "older_than"]]
