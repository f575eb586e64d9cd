"""A training survey goes out on the day the scheduling service's clock gives it: the audits service
imports the completion and owes audits.training.completed; the scheduling service starts the clocks
training.follow_up (3 months) and training.manager_survey (4 months), each on the working day before a
weekend or a bank holiday in England, and says so in scheduling.deadline.scheduled, naming the
completion; the audits service keeps that day on the survey. Neither service shares a calendar.

The two services run in-process with their real bootstrap, stores, relays and durable consumers, on a
real NATS server. The business date is fixed at Monday 3 May 2027, after every completion below.
"""
from __future__ import annotations

from datetime import date

import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import bearer, running
from safeguard_testing.toy import eventually

COMPLETIONS = """trainee,agency,course,completed_on
STAFF-1,police,Saturday,2026-10-09
STAFF-2,police,Easter,2026-12-29
STAFF-3,school,August,2027-04-30
"""


@pytest.fixture
async def two_services(databases, nats_url, bus_namespace, tmp_path, issuer):
    async with running(("scheduling", "audits"), databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=FixedDateClock(date(2027, 5, 3))) as services:
        yield services


async def test_each_survey_falls_due_on_the_day_the_scheduling_service_gives_it(two_services, issuer):
    audits = two_services["audits"]
    business_unit = bearer(issuer, "partnership", "business_unit")
    imported = await audits.client.post("/v1/training/completions", content=COMPLETIONS.encode(),
                                        headers={**business_unit, "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text

    async def every_day_known():
        rows = (await audits.client.get("/v1/training/surveys", headers=business_unit)).json()
        days = {(s["course"], s["kind"]): s["due_on"] for s in rows}
        return days if len(days) == 6 and all(days.values()) else None

    days = await eventually(every_day_known, timeout=20)

    assert days, "the scheduling service's days never reached the surveys"
    assert days[("Saturday", "follow_up")] == "2027-01-08"  # 9 January 2027 is a Saturday
    assert days[("Easter", "follow_up")] == "2027-03-25"  # 29 March 2027 is Easter Monday
    assert days[("August", "manager")] == "2027-08-27"  # 30 August 2027: the summer bank holiday
