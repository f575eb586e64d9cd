"""The rapid review clocks a serious incident starts, as the business unit reads them through the API,
and the promise that a CaseOpened delivered more than once starts each clock once.

The event handlers are the ones the service's bootstrap wires; each CaseOpened reaches them through
the service's own Inbox and dispatcher, as the consumer hands it over. The store is migrated on SQLite and PostgreSQL;
no broker, relay or ticker runs, so nothing but the test moves the clock.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from safeguard_shared.contracts import Envelope, parse
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_shared.contracts.scheduling import DeadlineScheduled
from safeguard_testing.apps import bearer, migrated
from scheduling.adapters.orm import deadlines, inbox, outbox

CASE = "7c1d2e3f-0000-4000-8000-00000000c0de"
MONDAY_21_DECEMBER_2026 = date(2026, 12, 21)
RAPID_REVIEW_KEYS = {"rr.panel_notified", "rr.scoping_sent", "rr.meeting", "rr.complete"}


def case_opened(**changes) -> Envelope:
    """What the referrals service publishes for the example child referral in docs/architecture.md."""
    values = dict(case_id=CASE, case_ref="RR-2026-7C1D2E", pathway="child", referring_agency="police",
                  received_on=MONDAY_21_DECEMBER_2026, became_aware_on=MONDAY_21_DECEMBER_2026,
                  involved_agencies=["local_authority", "police", "icb", "school"], serious_incident=True,
                  rapid_review=True, notices_owed=["national_panel"])
    values.update(changes)
    return CaseOpened(**values).envelope(producer="referrals",
                                         occurred_at=datetime(2026, 12, 21, 10, tzinfo=UTC))


@pytest.fixture
async def scheduling(databases, tmp_path, issuer):
    async with migrated("scheduling", database_url=await databases.at_head("scheduling"), data_dir=tmp_path,
                        issuer=issuer) as service:
        yield service


@pytest.fixture
def business_unit(issuer):
    return bearer(issuer, "partnership", "business_unit")


async def deliver(service, env: Envelope) -> bool:
    dispatcher = service.runtime.subscriptions[0].handle  # one dispatcher answers every stream
    return await service.runtime.inbox.handle_once("scheduling", env, dispatcher)


async def deadlines_of(service, headers, case_id: str = CASE) -> dict[str, dict]:
    response = await service.client.get("/v1/deadlines", params={"case_id": case_id}, headers=headers)
    assert response.status_code == 200, response.text
    return {d["key"]: d for d in response.json()}


async def test_a_serious_incident_starts_the_rapid_review_clocks_counted_in_working_days(scheduling, business_unit):
    assert await deliver(scheduling, case_opened())

    clocks = await deadlines_of(scheduling, business_unit)

    assert set(clocks) == RAPID_REVIEW_KEYS
    # Counting working days strictly after Monday 21 December 2026 (day 0):
    #   Tue 22 = 1, Wed 23 = 2, Thu 24 = 3,
    #   Fri 25 Christmas Day, Sat 26, Sun 27, Mon 28 substitute day for Boxing Day: none counted,
    #   Tue 29 = 4, Wed 30 = 5, Thu 31 = 6,
    #   Fri 1 January New Year's Day, Sat 2, Sun 3: none counted,
    #   Mon 4 = 7, Tue 5 = 8, Wed 6 = 9, Thu 7 = 10, Fri 8 = 11, Mon 11 = 12, Tue 12 = 13, Wed 13 = 14,
    #   Thu 14 January 2027 = 15.
    assert clocks["rr.scoping_sent"]["due"] == "2026-12-23"    # 2 working days after received_on
    assert clocks["rr.panel_notified"]["due"] == "2026-12-30"  # 5 working days after became_aware_on
    assert clocks["rr.meeting"]["window_start"] == "2027-01-04"  # from 7 working days after received_on
    assert clocks["rr.meeting"]["due"] == "2027-01-12"           # to 13
    assert clocks["rr.complete"]["due"] == "2027-01-14"          # 15 working days after became_aware_on
    assert all(c["status"] == "pending" and c["case_id"] == CASE for c in clocks.values())


async def test_each_due_date_explains_the_days_it_skipped_and_why(scheduling, business_unit):
    await deliver(scheduling, case_opened())

    complete = (await deadlines_of(scheduling, business_unit))["rr.complete"]

    skipped = {s["date"]: s["reason"] for s in complete["skipped"]}
    assert skipped["2026-12-25"] == "bank holiday: Christmas Day"
    assert skipped["2026-12-28"] == "bank holiday: substitute day for Boxing Day"
    assert skipped["2027-01-01"] == "bank holiday: New Year's Day"
    assert skipped["2026-12-26"] == "Saturday" and skipped["2027-01-10"] == "Sunday"
    assert len(skipped) == 9  # three bank holidays and three weekends
    explanation = complete["explanation"]
    assert "became_aware_on 2026-12-21" in explanation and "15 working days" in explanation
    assert "Christmas Day" in explanation and "substitute day for Boxing Day" in explanation


async def test_the_same_case_opened_delivered_three_times_starts_each_clock_once(scheduling, business_unit):
    env = case_opened()

    handled = [await deliver(scheduling, env) for _ in range(3)]

    assert handled == [True, False, False], "the inbox recognises the redeliveries"
    assert await scheduling.count(deadlines) == 4
    assert await scheduling.count(inbox) == 1
    owed = [Envelope.model_validate_json(r["body"]) for r in await scheduling.rows(outbox)]
    assert sorted(parse(e).key for e in owed) == sorted(RAPID_REVIEW_KEYS)
    assert all(isinstance(parse(e), DeadlineScheduled) and e.causation_id == env.event_id for e in owed)
    assert set(await deadlines_of(scheduling, business_unit)) == RAPID_REVIEW_KEYS


async def test_a_case_opened_republished_under_a_new_event_id_still_starts_each_clock_once(scheduling):
    """Past the inbox (a producer that sent the same fact twice): the clocks are unique per case."""
    first, second = case_opened(), case_opened()
    assert first.event_id != second.event_id

    assert await deliver(scheduling, first) and await deliver(scheduling, second)

    assert await scheduling.count(deadlines) == 4
    assert await scheduling.count(outbox) == 4, "no second DeadlineScheduled for a clock already running"


async def test_a_looked_after_childs_death_without_suspected_abuse_starts_only_the_notice_clock(
        scheduling, business_unit):
    await deliver(scheduling, case_opened(serious_incident=False, looked_after_death=True, rapid_review=False,
                                          notices_owed=["secretary_of_state", "ofsted"]))

    clocks = await deadlines_of(scheduling, business_unit)

    assert set(clocks) == {"rr.lac_death_notified"}
    assert clocks["rr.lac_death_notified"]["due"] == "2026-12-30"  # 5 working days after became_aware_on


async def test_a_referral_that_owes_no_notice_and_no_rapid_review_starts_no_rapid_review_clock(
        scheduling, business_unit):
    await deliver(scheduling, case_opened(serious_incident=False, rapid_review=False, notices_owed=[]))

    assert not RAPID_REVIEW_KEYS & set(await deadlines_of(scheduling, business_unit))


async def test_deadlines_need_a_token_and_a_case_or_an_audit(scheduling, business_unit):
    await deliver(scheduling, case_opened())

    assert (await scheduling.client.get("/v1/deadlines", params={"case_id": CASE})).status_code == 401
    neither = await scheduling.client.get("/v1/deadlines", headers=business_unit)
    assert neither.status_code == 422
    assert ["query", "case_id"] in [p["loc"] for p in neither.json()["detail"]]
    assert "audit_id" in neither.json()["detail"][0]["msg"]
    assert (await scheduling.client.get("/v1/deadlines", params={"case_id": "another-case"},
                                        headers=business_unit)).json() == []


async def test_one_working_day_after_christmas_eve_2026_is_tuesday_29_december(scheduling, business_unit):
    response = await scheduling.client.get("/v1/calendar/add-working-days",
                                           params={"start": "2026-12-24", "days": 1}, headers=business_unit)

    assert response.status_code == 200
    body = response.json()
    assert body["date"] == "2026-12-29"
    assert body["skipped"] == [
        {"date": "2026-12-25", "reason": "bank holiday: Christmas Day"},
        {"date": "2026-12-26", "reason": "Saturday"},
        {"date": "2026-12-27", "reason": "Sunday"},
        {"date": "2026-12-28", "reason": "bank holiday: substitute day for Boxing Day"},
    ]


async def test_the_calendar_needs_a_token_and_refuses_an_absurd_count_naming_days(scheduling, business_unit):
    path = "/v1/calendar/add-working-days"
    assert (await scheduling.client.get(path, params={"start": "2026-12-24", "days": 1})).status_code == 401

    absurd = await scheduling.client.get(path, params={"start": "2026-12-24", "days": 999999}, headers=business_unit)
    assert absurd.status_code == 422
    assert [p["loc"] for p in absurd.json()["detail"]] == [["query", "days"]]
    # The largest count allowed still answers (about eight years of working days).
    assert (await scheduling.client.get(path, params={"start": "2026-12-24", "days": 2000},
                                        headers=business_unit)).status_code == 200
