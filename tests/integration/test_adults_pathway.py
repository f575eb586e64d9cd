"""The adults' pathway through the real services — a safeguarding adult review from the referral to
the learning event — with referrals, scheduling and notifications in-process on a real NATS
JetStream server and real databases (SQLite and PostgreSQL). One shared clock is moved by hand.
"""
from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from safeguard_shared.clock import ManualClock
from safeguard_testing.apps import ReadsTheClock, bearer, running
from safeguard_testing.toy import eventually

LONDON = ZoneInfo("Europe/London")
SERVICES = ("referrals", "scheduling", "notifications")
CANARY_ADULT = "A-CANARY-311"

# The example adult (SAR) referral of docs/architecture.md, with a canary reference.
SAR_REFERRAL = {
    "referring_agency": "icb",
    "authorised_by": {"name": "B. Manager", "role": "safeguarding_lead", "authorised_on": "2027-01-05"},
    "received_on": "2027-01-05",
    "adult": {"reference": CANARY_ADULT, "date_of_birth": "1948-09-12"},
    "criteria": {"died": True, "abuse_or_neglect": "suspected", "concern_agencies_could_have_worked_better": True},
    "summary": "Concerns about missed visits and pressure care",
    "involved_agencies": ["adult_social_care", "icb", "police", "housing"],
    "family_contact": {"name": "C. Family", "relationship": "son", "channel": "email", "email": "son@example.org"},
}


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LONDON).astimezone(UTC)


class Board(ReadsTheClock):
    def __init__(self, services, issuer, clock):
        self.s = services
        self.clock = clock
        self.icb = bearer(issuer, "icb", "referrer")
        self.bu = bearer(issuer, "partnership", "business_unit")
        self.chair = bearer(issuer, "partnership", "independent_chair")
        self.agency = {a: bearer(issuer, a, "referrer") for a in ("adult_social_care", "icb", "police", "housing")}

    def on(self, day: date) -> None:
        self.clock.set(morning(day))

    async def refer(self, body: dict, expect: int = 201) -> dict:
        r = await self.s["referrals"].client.post("/v1/referrals/adult", json=body, headers=self.icb)
        assert r.status_code == expect, r.text
        return r.json()

    async def step(self, case_id: str, path: str, body: dict, who: dict | None = None, expect: int = 200) -> dict:
        r = await self.s["referrals"].client.post(f"/v1/cases/{case_id}/sar{path}", json=body, headers=who or self.bu)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text}"
        return r.json()

    async def events(self, case_id: str) -> list[dict]:
        from referrals.adapters.orm import outbox

        async with self.s["referrals"].runtime.sessions() as session:
            bodies = (await session.execute(select(outbox.c.body).order_by(outbox.c.seq))).scalars().all()
        return [json.loads(b) for b in bodies if case_id in b]

    async def through_scoping_to_decision(self, case_id: str, convene: bool) -> None:
        await self.step(case_id, "/screening", {"business_manager_agrees": True, "panel_chair_agrees": True,
                                                "outcome": "proceed_to_scoping", "reasons": "meets s44"})
        await self.step(case_id, "/scoping", {"agencies": ["adult_social_care", "icb", "police", "housing"]},
                        self.chair)
        self.on(date(2027, 1, 25))
        for agency, token in self.agency.items():
            await self.step(case_id, f"/scoping-returns/{agency}", {"information": f"{agency} chronology"}, token)
        self.on(date(2027, 2, 1))
        await self.step(case_id, "/scoping-review", {"on": "2027-02-01"})
        self.on(date(2027, 2, 10))
        await self.step(case_id, "/decision", {"convene": convene, "decided_on": "2027-02-10",
                                               "reasons": "criteria met" if convene else "single-agency learning",
                                               **({} if convene else {"other_steps": ["single_agency_review"]})})


@pytest.fixture
async def board(databases, nats_url, bus_namespace, tmp_path, issuer):
    clock = ManualClock(morning(date(2027, 1, 5)))
    async with running(SERVICES, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=clock) as services:
        yield Board(services, issuer, clock)


async def test_an_incomplete_referral_is_returned_with_reasons_and_resubmitted(board):
    incomplete = copy.deepcopy(SAR_REFERRAL)
    del incomplete["authorised_by"]
    incomplete["involved_agencies"] = []
    returned = await board.refer(incomplete)
    assert returned["status"] == "returned"
    assert any("safeguarding lead or a senior manager" in r for r in returned["reasons"])
    assert any("agencies involved" in r for r in returned["reasons"])
    case_id = returned["case_id"]
    assert [e["event_type"] for e in await board.events(case_id)] == ["referrals.referral.returned"]
    assert await board.deadlines(case_id) == {}, "no clock runs for a returned referral"

    malformed = copy.deepcopy(SAR_REFERRAL)
    del malformed["adult"]
    problem = await board.refer(malformed, expect=422)
    assert ["body", "adult"] in [d["loc"] for d in problem["detail"]]

    board.on(date(2027, 1, 7))
    complete = dict(SAR_REFERRAL, received_on="2027-01-07")
    r = await board.s["referrals"].client.post(f"/v1/referrals/adult/{case_id}/resubmission", json=complete,
                                               headers=board.icb)
    assert r.status_code == 201 and r.json()["status"] == "received", r.text
    assert r.json()["criteria_met"] == "mandatory_died"
    decision = (await eventually(lambda: board.deadlines(case_id)))["sar.decision"]
    # Received Thursday 7 January 2027: target 6 weeks (18 February), latest 8 weeks (4 March).
    assert decision["target"] == "2027-02-18" and decision["due"] == "2027-03-04"
    again = await board.s["referrals"].client.post(f"/v1/referrals/adult/{case_id}/resubmission", json=complete,
                                                   headers=board.icb)
    assert again.status_code == 409


async def test_a_sar_not_convened_ends_after_the_decision(board):
    case_id = (await board.refer(SAR_REFERRAL))["case_id"]
    await board.through_scoping_to_decision(case_id, convene=False)
    # The sub-group recommends; the independent chair confirms it, overriding the s44 duty on the record.
    board.on(date(2027, 2, 11))
    await board.step(case_id, "/decision/confirmation", {
        "confirmed": True, "on": "2027-02-11", "mandatory_override_reason": "learning taken by the DHR"}, board.chair)
    agreed = await board.deadline_settles(case_id, "sar.agreed", "closed")
    assert agreed["status"] == "closed", "a SAR not convened closes the chair's agreement clock, not misses it"
    decision = await board.deadline_settles(case_id, "sar.decision")
    assert decision["on_time"] is True
    # Scoping requested Tuesday 5 January; each agency had 20 working days (to 2 February).
    returned = await board.deadline_settles(case_id, "sar.scoping_returned@housing")
    assert returned["due"] == "2027-02-02" and returned["on_time"] is True
    assert (await board.step(case_id, "/agreement", {"on": "2027-02-11"}, board.chair, expect=409))
    kinds = [e["event_type"] for e in await board.events(case_id)]
    assert "referrals.case.sar_decided" in kinds and "referrals.case.sar_screened" in kinds


async def test_a_sar_goes_from_agreement_to_publication_and_the_learning_event(board):
    case_id = (await board.refer(SAR_REFERRAL))["case_id"]
    await board.through_scoping_to_decision(case_id, convene=True)
    board.on(date(2027, 2, 12))
    await board.step(case_id, "/agreement", {"on": "2027-02-12"}, board.chair)
    agreed = await board.deadline_settles(case_id, "sar.agreed")
    assert agreed["on_time"] is True  # 10 working days after the review of 1 February: 15 February
    deadlines = await eventually(lambda: _has(board, case_id, "sar.learning_event"))
    # Commissioned Friday 12 February 2027: the timetable to the end, in calendar months.
    assert deadlines["sar.reviewers_commissioned"]["due"] == "2027-03-05"  # 3 weeks
    assert deadlines["sar.draft_report"]["due"] == "2027-07-12"  # 5 months (12 July is a Monday)
    assert deadlines["sar.committee"]["due"] == "2027-07-27"  # 5 months and 15 days
    assert deadlines["sar.signed_off"]["due"] == "2027-08-12"  # 6 months
    assert deadlines["sar.published"]["due"] == "2027-09-10"  # 7 months: 12 Sept is a Sunday → Friday 10th
    assert deadlines["sar.learning_event"]["due"] == "2027-11-12"  # 9 months

    await board.step(case_id, "/family-notified", {"notified_on": "2027-02-12", "by": "independent chair",
                                                   "method": "telephone, then letter"})
    board.on(date(2027, 3, 1))
    await board.step(case_id, "/reviewers", {"reviewers": ["Independent reviewer"], "commissioned_on": "2027-03-01"})
    await board.step(case_id, "/imr-requests", {"agencies": ["police"]})
    refused = await board.step(case_id, "/imrs/police", {"author_name": "Insp. X", "author_role": "inspector",
                                                         "author_independent_of_case": False},
                               board.agency["police"], expect=422)
    assert {tuple(d["loc"]) for d in refused["detail"]} == {
        ("body", "author_independent_of_case"), ("body", "chronology"), ("body", "review_of_records"),
        ("body", "interviews")}
    await board.step(case_id, "/imrs/police", {
        "author_name": "Insp. Y", "author_role": "inspector, other district", "author_independent_of_case": True,
        "chronology": "…", "review_of_records": "…", "interviews": "…"}, board.agency["police"])
    board.on(date(2027, 3, 22))
    await board.step(case_id, "/initial-meeting", {"on": "2027-03-22"})
    await board.step(case_id, "/panel-meetings", {"held_on": "2027-03-12", "progress": "scoping", "immediate_risks":
                                                  "none", "learning_to_share": "none yet", "guidance_to_reviewer":
                                                  "focus on transitions", "drafts_reviewed": "none",
                                                  "communications": "family updated"})
    for path, day in (("/draft-report", "2027-07-09"), ("/committee", "2027-07-26")):
        board.on(date.fromisoformat(day))
        await board.step(case_id, path, {"on": day})
    board.on(date(2027, 8, 10))
    await board.step(case_id, "/sign-off", {"signed_off_on": "2027-08-10", "publish": "full"})
    board.on(date(2027, 8, 20))
    await board.step(case_id, "/shared-with-family", {"on": "2027-08-20"})
    board.on(date(2027, 9, 8))
    await board.step(case_id, "/publication", {"published_on": "2027-09-08", "recommendations": [
        {"text": "Joint pressure-care pathway", "owning_agency": "icb"}]})
    board.on(date(2027, 11, 3))
    await board.step(case_id, "/learning-event", {"on": "2027-11-03"})
    await board.step(case_id, "/findings", {"findings": ["missed visits not escalated"],
                                            "not_implemented": [{"recommendation": "x", "reason": ""}]}, expect=422)
    await board.step(case_id, "/findings", {"findings": ["missed visits not escalated"],
                                            "actions_taken": ["escalation protocol"]})
    for key in ("sar.family_notified", "sar.reviewers_commissioned", "sar.initial_meeting", "sar.draft_report",
                "sar.committee", "sar.signed_off", "sar.family_shared", "sar.published", "sar.learning_event"):
        met = await board.deadline_settles(case_id, key)
        assert met["on_time"] is True, key
    # The learning event ends the pathway: no clock of the case is left running to go overdue.
    still_running = {key: d["due"] for key, d in (await board.deadlines(case_id)).items() if d["status"] == "pending"}
    assert still_running == {}, still_running
    kinds = [e["event_type"] for e in await board.events(case_id)]
    for expected in ("referrals.case.family_letter_owed", "referrals.case.review_published",
                     "referrals.case.recommendations_published", "referrals.case.findings_recorded"):
        assert expected in kinds, expected
    for event in await board.events(case_id):
        # Not even the letter to the family carries its recipient: it names the letter by its number.
        said = json.dumps(event)
        for identifying in (CANARY_ADULT, "1948-09-12", "C. Family", "son@example.org"):
            assert identifying not in said, (event["event_type"], identifying)


async def _has(board: Board, case_id: str, key: str):
    d = await board.deadlines(case_id)
    return d if key in d else None


async def test_a_sar_delayed_by_court_proceedings_stops_its_clock_and_tells_the_family(board):
    case_id = (await board.refer(SAR_REFERRAL))["case_id"]
    await board.through_scoping_to_decision(case_id, convene=True)
    board.on(date(2027, 2, 12))
    await board.step(case_id, "/agreement", {"on": "2027-02-12"}, board.chair)
    before = await eventually(lambda: _has(board, case_id, "sar.signed_off"))
    assert before["sar.signed_off"]["due"] == "2027-08-12"

    board.on(date(2027, 6, 1))
    words = "the son's trial at Exampletown Crown Court"  # the business unit's own: they stay in referrals
    await board.step(case_id, "/delay", {"reason": words, "reason_code": "criminal_proceedings",
                                         "expected_sign_off_on": "2027-12-01"})
    paused = await board.deadline_settles(case_id, "sar.signed_off", status="paused")
    assert paused["status_reason"] == "the SAR is delayed: parallel criminal proceedings"
    letters = [e for e in await board.events(case_id) if e["event_type"] == "referrals.case.family_letter_owed"]
    assert [letter["payload"]["letter"] for letter in letters] == ["delay"]
    assert letters[0]["payload"]["reason_code"] == "criminal_proceedings"
    assert not [e for e in await board.events(case_id) if "Crown Court" in json.dumps(e)]
    await board.step(case_id, "/delay", {"reason": "again", "reason_code": "other"}, expect=409)
    # The adult or advocate is kept updated every 4 weeks (the partnership's interval) while delayed.
    first = await board.deadline_settles(case_id, "sar.delay_update", status="pending")
    assert first["due"] == "2027-06-29"  # 4 weeks after Tuesday 1 June
    board.on(date(2027, 6, 25))
    await board.step(case_id, "/delay/updates", {"update": "the trial is listed for October"})

    async def second_update_due():
        rows = (await board.s["scheduling"].client.get(f"/v1/deadlines?case_id={case_id}", headers=board.bu)).json()
        updates = [r for r in rows if r["key"] == "sar.delay_update"]
        met = [r for r in updates if r["status"] == "met"]
        return [r for r in updates if r["status"] == "pending"] if met else None

    [second] = await eventually(second_update_due, timeout=20)
    assert second["due"] == "2027-07-27"  # the next interval, counted from the delay: 8 weeks after 1 June

    board.on(date(2027, 7, 1))  # 22 working days after 1 June (31 May was the spring bank holiday)
    await board.step(case_id, "/delay/resume", {})
    resumed = await board.deadline_settles(case_id, "sar.signed_off", status="pending")
    # 12 August plus 22 working days: 13 Aug (1), 16–20 (6), 23–27 (11), 31 Aug (12; the 30th is the
    # summer bank holiday), 1–3 Sept (15), 6–10 (20), 13 (21), 14 (22) → Tuesday 14 September.
    assert resumed["due"] == "2027-09-14"
    assert "the SAR's delay (parallel criminal proceedings) ended" in resumed["explanation"]
    feed = await board.s["scheduling"].client.get(f"/v1/calendar/cases/{case_id}.ics", headers=board.bu)
    assert "parallel criminal proceedings" in feed.text.replace("\r\n ", "") and "Crown Court" not in feed.text
    rows = (await board.s["scheduling"].client.get(f"/v1/deadlines?case_id={case_id}", headers=board.bu)).json()
    assert {r["status"] for r in rows if r["key"] == "sar.delay_update"} == {"met", "waived"}, \
        "the updates stop when the delay ends"


async def test_a_returned_referral_names_its_case_by_reference_for_the_letter(board):
    """The referrer's letter says which referral came back: the event carries the case reference."""
    incomplete = copy.deepcopy(SAR_REFERRAL)
    del incomplete["authorised_by"]
    returned = await board.refer(incomplete)
    [event] = await board.events(returned["case_id"])
    assert event["payload"]["case_ref"] == returned["case_ref"]
