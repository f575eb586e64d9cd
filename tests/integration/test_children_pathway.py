"""The children's pathway through the real services — referrals, scheduling, notifications and
reporting in-process on a real NATS JetStream server and real databases (SQLite and PostgreSQL).

Each scenario follows a serious incident from the referral to its end, in the framework's order,
and checks what the partnership relies on: the events recorded, the statutory clocks met on time
or late, and the messages sent to the national Panel, the Secretary of State, Ofsted, the referrer
and the agencies. One shared clock is moved by hand, so "late" is a real late.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from safeguard_shared.clock import ManualClock
from safeguard_testing.apps import ReadsTheClock, bearer, example_child_referral, running
from safeguard_testing.toy import eventually

LONDON = ZoneInfo("Europe/London")
SERVICES = ("referrals", "scheduling", "notifications", "reporting")


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LONDON).astimezone(UTC)


class Partnership(ReadsTheClock):
    """The people in the scenario, each with their own token, and the services they use."""

    def __init__(self, services, issuer, clock: ManualClock):
        self.s = services
        self.clock = clock
        self.issuer = issuer
        self.police = bearer(issuer, "police", "referrer")
        self.la = bearer(issuer, "local_authority", "referrer")
        self.icb = bearer(issuer, "icb", "referrer")
        self.school = bearer(issuer, "school", "referrer")
        self.bu = bearer(issuer, "partnership", "business_unit", "reporting_reader")
        self.chair = bearer(issuer, "partnership", "independent_chair")

    def on(self, day: date) -> None:
        self.clock.set(morning(day))

    async def refer(self, **changes) -> str:
        response = await self.s["referrals"].client.post("/v1/referrals/child", json=example_child_referral(**changes),
                                                         headers=self.police)
        assert response.status_code == 201, response.text
        return response.json()["case_id"]

    async def post(self, case_id: str, path: str, body: dict, who: dict, expect: int = 200):
        response = await self.s["referrals"].client.post(f"/v1/cases/{case_id}{path}", json=body, headers=who)
        assert response.status_code == expect, f"{path}: {response.status_code} {response.text}"
        return response.json()

    async def request_scoping(self, case_id: str, meeting_on: date, expect: int = 200, **extra):
        body = {"involved_agencies": ["local_authority", "police", "icb", "school"],
                "meeting_on": meeting_on.isoformat(), **extra}

        async def window_known():  # the clock's rr.meeting window reaches the case through the bus
            r = await self.s["referrals"].client.post(f"/v1/cases/{case_id}/scoping", json=body, headers=self.bu)
            return None if r.status_code == 409 and "not known yet" in r.text else r

        response = await eventually(window_known, timeout=15)
        assert response is not None and response.status_code == expect, response.text if response else "no window"
        return response.json()

    async def notifications(self, case_id: str) -> list[dict]:
        notices = await self.s["notifications"].client.get(f"/v1/notifications?case_id={case_id}", headers=self.bu)
        return notices.json()

    async def sent(self, case_id: str, template: str, n: int) -> list[dict]:
        async def check():
            rows = [r for r in await self.notifications(case_id) if r["template"] == template and r["status"] == "sent"]
            return rows if len(rows) >= n else None

        rows = await eventually(check, timeout=20)
        assert rows, f"{template}: {[(r['template'], r['status']) for r in await self.notifications(case_id)]}"
        return rows

    async def events(self, case_id: str) -> list[str]:
        from referrals.adapters.orm import outbox

        async with self.s["referrals"].runtime.sessions() as session:
            bodies = (await session.execute(select(outbox.c.subject, outbox.c.body))).all()
        return [subject.split(".", 1)[1] if subject.count(".") > 2 else subject
                for subject, body in bodies if case_id in body]

    async def hold_a_quorate_meeting(self, case_id: str, held_on: date, **reason) -> None:
        await self.post(case_id, "/meeting/attendance", {"attendees": [
            {"agency": "local_authority", "name": "LA rep", "role": "head of service"},
            {"agency": "police", "name": "DI rep", "role": "detective inspector"},
            {"agency": "icb", "name": "Nurse rep", "role": "designated nurse"},
            {"agency": "school", "name": "DSL rep", "role": "designated safeguarding lead"}]}, self.bu)
        await self.post(case_id, "/meeting/held", {"held_on": held_on.isoformat(), **reason}, self.bu)

    async def every_agency_returns_scoping(self, case_id: str) -> None:
        for agency, who in (("local_authority", self.la), ("police", self.police), ("icb", self.icb),
                            ("school", self.school)):
            await self.post(case_id, f"/scoping-returns/{agency}",
                            {"records_secured": True, "involvement": f"{agency} involvement summary"}, who)


@pytest.fixture
async def partnership(databases, nats_url, bus_namespace, tmp_path, issuer):
    clock = ManualClock(morning(date(2026, 12, 21)))
    async with running(SERVICES, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=clock) as services:
        yield Partnership(services, issuer, clock)


async def test_a_serious_incident_goes_from_rapid_review_to_a_published_cspr(partnership):
    p = partnership
    case_id = await p.refer()
    # The Panel is told at once; the clock for it is met the day the message leaves.
    await p.sent(case_id, "serious_incident_notification", 1)
    assert (await p.deadline_settles(case_id, "rr.panel_notified"))["on_time"] is True

    # Tuesday 22 December: the business unit confirms the agencies and sets the meeting on 5 January
    # (inside the window of 4 to 12 January 2027). Templates and invitations go to all four agencies.
    p.on(date(2026, 12, 22))
    scoping = await p.request_scoping(case_id, date(2027, 1, 5))
    assert scoping["meeting_window"] == ["2027-01-04", "2027-01-12"]
    await p.sent(case_id, "scoping_request", 4)
    await p.sent(case_id, "meeting_invitation", 4)
    assert (await p.deadline_settles(case_id, "rr.scoping_sent"))["on_time"] is True

    # Each agency returns its own scoping on 29 December: inside 5 working days of 22 December
    # (23, 24, 29, 30, 31 — Christmas Day and the Boxing Day substitute skipped).
    p.on(date(2026, 12, 29))
    await p.every_agency_returns_scoping(case_id)
    returned = await p.deadline_settles(case_id, "rr.scoping_returned@school")
    assert returned["on_time"] is True and returned["due"] == "2026-12-31"

    p.on(date(2027, 1, 5))
    await p.hold_a_quorate_meeting(case_id, date(2027, 1, 5))
    decided = await p.post(case_id, "/decision", {
        "decision": "cspr", "immediate_safety_actions": ["sibling safety plan reviewed"],
        "learning": ["information sharing between health and school"], "rationale": "national learning likely"},
        p.chair)
    assert decided["decision"] == "cspr"
    assert (await p.deadline_settles(case_id, "rr.meeting"))["on_time"] is True
    assert (await p.deadline_settles(case_id, "rr.complete"))["on_time"] is True
    await p.sent(case_id, "rapid_review_outcome_to_panel", 1)
    outcomes = await p.sent(case_id, "rapid_review_outcome", 4)
    assert {o["recipient_kind"] for o in outcomes} == {"referrer", "agency"}
    assert (await p.deadline_settles(case_id, "rr.outcome_sent"))["on_time"] is True
    # The CSPR must be published within six months of the decision: 5 July 2027.
    assert (await p.deadlines(case_id))["cspr.published"]["due"] == "2027-07-05"

    await p.post(case_id, "/panel-response", {"response": "endorsed", "received_on": "2027-01-20"}, p.bu)
    # The business unit commissions the reviewer by the name they sign in with; only that reviewer (and
    # the business unit) writes the review. A school's reviewer not commissioned on it is refused.
    await p.post(case_id, "/cspr/reviewers", {"reviewers": ["J.Reviewer@example.org"]}, p.bu)
    reviewer = {"Authorization": "Bearer " + p.issuer.mint(agency="partnership", roles=["reviewer"],
                                                           subject="j.reviewer@example.org")}
    school_reviewer = bearer(p.issuer, "school", "reviewer")
    await p.post(case_id, "/cspr/reviewers", {"reviewers": ["school-reviewer"]}, school_reviewer, expect=403)
    await p.post(case_id, "/cspr/terms",
                 {"methodology": "systems", "terms_of_reference": "from the rapid review"}, reviewer)
    await p.post(case_id, "/cspr/involvement", {"practitioners": "workshops", "family": "mother met reviewer"},
                 reviewer)
    await p.post(case_id, "/cspr/draft", {"text": "Draft report text"}, reviewer)
    await p.post(case_id, "/cspr/draft", {"text": "Not my review"}, school_reviewer, expect=403)
    drafts_url = f"/v1/cases/{case_id}/cspr/drafts"
    drafts = (await p.s["referrals"].client.get(drafts_url, headers=reviewer)).json()
    assert [(d["version"], d["marking"]) for d in drafts] == [(1, "unpublished draft — strictly confidential")]
    for outsider in (p.police, school_reviewer, bearer(p.issuer, "housing", "panel_member")):
        assert (await p.s["referrals"].client.get(drafts_url, headers=outsider)).status_code == 403
    assert (await p.s["referrals"].client.get(drafts_url, headers=bearer(p.issuer, "police", "panel_member"))
            ).status_code == 200, "a panel member of an agency the case involves reads the drafts"

    p.on(date(2027, 5, 10))
    await p.post(case_id, "/cspr/final", {"planned_publication_on": "2027-06-01"}, p.bu)
    await p.sent(case_id, "final_report_to_panel", 2)
    final = await p.deadline_settles(case_id, "cspr.final_to_panel")
    assert final["due"] == "2027-05-20" and final["on_time"] is True  # 7 working days before 1 June

    p.on(date(2027, 6, 1))
    published = await p.post(case_id, "/cspr/publication", {
        "published_on": "2027-06-01", "in_full": True,
        "recommendations": [{"text": "Joint health and school information-sharing protocol",
                             "owning_agency": "icb"}]}, p.bu)
    assert published["stage"] == "published"
    assert (await p.deadline_settles(case_id, "cspr.published"))["on_time"] is True
    events = await p.events(case_id)
    for expected in ("referrals.case.opened", "referrals.case.scoping_requested", "referrals.case.milestone_reached",
                     "referrals.case.rapid_review_decided", "referrals.case.panel_responded",
                     "referrals.case.final_report_ready", "referrals.case.review_published",
                     "referrals.case.recommendations_published"):
        assert expected in events, expected
    history = (await p.s["referrals"].client.get(f"/v1/cases/{case_id}/history", headers=p.bu)).json()
    assert [h["action"] for h in history][:3] == ["referred", "scoping_requested", "scoping_returned"]
    assert history[-1]["action"] == "published"


@pytest.mark.parametrize("decision", ["alternative_review", "no_review"])
async def test_an_alternative_review_or_no_review_ends_the_rapid_review(partnership, decision):
    p = partnership
    case_id = await p.refer()
    await p.request_scoping(case_id, date(2027, 1, 6))
    p.on(date(2027, 1, 6))
    await p.hold_a_quorate_meeting(case_id, date(2027, 1, 6))
    await p.post(case_id, "/decision", {"decision": decision, "rationale": "learning captured locally"}, p.bu)
    [outcome] = await p.sent(case_id, "rapid_review_outcome_to_panel", 1)
    assert outcome["recipient_kind"] == "national_panel"
    bodies = [n["body"] for n in await p.notifications(case_id) if n["template"] == "rapid_review_outcome"]
    assert bodies and all(("alternative learning review" in b) == (decision == "alternative_review") for b in bodies)
    assert "cspr.published" not in await p.deadlines(case_id), "no CSPR clock without a CSPR"
    # CSPR steps are out of order now.
    await p.post(case_id, "/cspr/reviewers", {"reviewers": ["someone"]}, p.bu, expect=409)


async def test_the_panel_challenges_the_decision_and_what_it_asked_is_recorded(partnership):
    p = partnership
    case_id = await p.refer()
    await p.request_scoping(case_id, date(2027, 1, 6))
    p.on(date(2027, 1, 6))
    await p.hold_a_quorate_meeting(case_id, date(2027, 1, 6))
    await p.post(case_id, "/decision", {"decision": "no_review", "rationale": "single-agency learning"}, p.bu)
    problem = await p.post(case_id, "/panel-response", {"response": "challenged", "received_on": "2027-01-25"},
                           p.bu, expect=422)
    assert problem["detail"][0]["loc"] == ["body", "details"]
    recorded = await p.post(case_id, "/panel-response", {
        "response": "challenged", "details": "The Panel asks why a CSPR was not considered",
        "received_on": "2027-01-25"},
        p.bu)
    assert recorded["panel_response"] == "challenged"


async def test_the_death_of_a_looked_after_child_notifies_the_secretary_of_state_and_ofsted(partnership):
    p = partnership
    case_id = await p.refer(child={"looked_after": True},
                            incident={"outcome": "died", "abuse_or_neglect": "not_suspected"})
    sent = await p.sent(case_id, "looked_after_child_death_notice", 2)
    assert {n["recipient_kind"] for n in sent} == {"secretary_of_state", "ofsted"}
    assert not [n for n in await p.notifications(case_id) if n["recipient_kind"] == "national_panel"]
    assert (await p.deadline_settles(case_id, "rr.lac_death_notified"))["on_time"] is True
    assert set(await p.deadlines(case_id)) == {"rr.lac_death_notified"}, "no rapid review without a serious incident"
    response = await p.s["referrals"].client.post(f"/v1/cases/{case_id}/scoping", headers=p.bu, json={
        "involved_agencies": ["local_authority"], "meeting_on": "2027-01-05"})
    assert response.status_code == 409 and "only a notified serious incident" in response.text


async def test_no_decision_can_be_recorded_at_an_inquorate_meeting(partnership):
    p = partnership
    case_id = await p.refer()
    await p.request_scoping(case_id, date(2027, 1, 6))
    p.on(date(2027, 1, 6))
    await p.post(case_id, "/meeting/attendance", {"attendees": [
        {"agency": "local_authority", "name": "LA rep", "role": "head of service"},
        {"agency": "school", "name": "DSL rep", "role": "designated safeguarding lead"}]}, p.bu)
    await p.post(case_id, "/meeting/held", {"held_on": "2027-01-06"}, p.bu)
    refused = await p.s["referrals"].client.post(f"/v1/cases/{case_id}/decision", headers=p.bu, json={
        "decision": "cspr", "rationale": "x"})
    assert refused.status_code == 409
    assert "not quorate" in refused.text and "police" in refused.text and "icb" in refused.text
    # The document pack is for the review's panel and the safeguarding leads of the agencies the case
    # involves (each invited to the meeting); not for their practitioners, nor for an agency not involved.
    pack = f"/v1/cases/{case_id}/pack"
    for agency, role, status in (("school", "safeguarding_lead", 200), ("school", "referrer", 403),
                                 ("housing", "safeguarding_lead", 403), ("housing", "panel_member", 403)):
        response = await p.s["referrals"].client.get(pack, headers=bearer(p.issuer, agency, role))
        assert response.status_code == status, (agency, role)


async def test_a_meeting_outside_its_window_needs_a_recorded_reason(partnership):
    p = partnership
    case_id = await p.refer()
    problem = await p.request_scoping(case_id, date(2027, 1, 20), expect=422)
    assert problem["detail"][0]["loc"] == ["body", "outside_window_reason"]
    assert "2027-01-04" in problem["detail"][0]["msg"] and "2027-01-12" in problem["detail"][0]["msg"]
    accepted = await p.request_scoping(case_id, date(2027, 1, 20),
                                       outside_window_reason="police chair unavailable until the 20th")
    assert accepted["meeting_on"] == "2027-01-20"
    invitations = await p.sent(case_id, "meeting_invitation", 4)
    bodies = [n["body"] for n in await p.notifications(case_id) if n["template"] == "meeting_invitation"]
    assert len(invitations) == 4 and all("outside the usual window" in b for b in bodies)
    p.on(date(2027, 1, 20))
    await p.hold_a_quorate_meeting(case_id, date(2027, 1, 20))
    meeting = await p.deadline_settles(case_id, "rr.meeting")
    assert meeting["on_time"] is False and meeting["working_days_late"] == 6  # 13, 14, 15, 18, 19, 20 January


async def test_steps_out_of_order_are_refused_with_the_reason(partnership):
    p = partnership
    case_id = await p.refer()
    early = await p.s["referrals"].client.post(f"/v1/cases/{case_id}/meeting/held", headers=p.bu,
                                               json={"held_on": "2026-12-21"})
    assert early.status_code == 409 and "scoping" in early.text
    await p.request_scoping(case_id, date(2027, 1, 6))
    not_asked = await p.s["referrals"].client.post(f"/v1/cases/{case_id}/scoping-returns/housing",
                                                   headers=p.bu, json={"records_secured": True,
                                                                       "no_information_held": True})
    assert not_asked.status_code == 409
    other_agency = await p.s["referrals"].client.post(f"/v1/cases/{case_id}/scoping-returns/icb", headers=p.police,
                                                      json={"records_secured": True, "involvement": "x"})
    assert other_agency.status_code == 403


async def test_an_inquorate_meeting_is_reconvened_and_its_clocks_move(partnership):
    p = partnership
    case_id = await p.refer()
    await p.request_scoping(case_id, date(2027, 1, 6))
    p.on(date(2027, 1, 6))
    await p.post(case_id, "/meeting/attendance", {"attendees": [
        {"agency": "local_authority", "name": "LA rep", "role": "head of service"}]}, p.bu)
    await p.post(case_id, "/meeting/held", {"held_on": "2027-01-06"}, p.bu)
    outcome = await eventually(lambda: _deadline(p, case_id, "rr.outcome_sent"), timeout=20)
    assert outcome["due"] == "2027-01-08"
    # Reconvened on Monday 11 January with all three statutory partners.
    p.on(date(2027, 1, 11))
    await p.hold_a_quorate_meeting(case_id, date(2027, 1, 11), reason="reconvened: police and ICB absent on the 6th")

    async def moved():
        d = await _deadline(p, case_id, "rr.outcome_sent")
        return d if d and d["due"] == "2027-01-13" else None

    assert await eventually(moved, timeout=20), "the outcome is due 2 working days after the reconvened meeting"
    await p.post(case_id, "/decision", {"decision": "no_review", "rationale": "learning captured"}, p.bu)


async def test_a_meeting_held_before_its_window_is_not_on_time(partnership):
    p = partnership
    case_id = await p.refer()
    await p.request_scoping(case_id, date(2027, 1, 6))
    p.on(date(2026, 12, 23))
    # before the window opens on 4 January
    await p.hold_a_quorate_meeting(case_id, date(2026, 12, 23), reason="brought forward: the family moved away")
    meeting = await p.deadline_settles(case_id, "rr.meeting")
    assert meeting["on_time"] is False


async def test_a_meeting_held_before_its_window_or_not_on_its_booked_date_needs_a_recorded_reason(partnership):
    p = partnership
    case_id = await p.refer()
    await p.request_scoping(case_id, date(2027, 1, 6))
    await p.post(case_id, "/meeting/attendance", {"attendees": [
        {"agency": a, "name": f"{a} rep", "role": "rep"} for a in ("local_authority", "police", "icb")]}, p.bu)
    client = p.s["referrals"].client
    p.on(date(2027, 1, 7))
    for held_on, why in (("2026-12-23", "before its window"), ("2027-01-07", "not the date booked")):
        refused = await client.post(f"/v1/cases/{case_id}/meeting/held", headers=p.bu, json={"held_on": held_on})
        assert refused.status_code == 422, (why, refused.text)
        [problem] = refused.json()["detail"]
        assert problem["loc"] == ["body", "reason"], why
        assert "Wednesday 6 January 2027" in problem["msg"], why
    await p.post(case_id, "/meeting/held", {"held_on": "2027-01-07", "reason": "snow closed the venue on the 6th"},
                 p.bu)
    history = (await client.get(f"/v1/cases/{case_id}/history", headers=p.bu)).json()
    held = [h for h in history if h["action"] == "meeting_held"]
    assert [h["detail"] for h in held] == [{"held_on": "2027-01-07", "reason": "snow closed the venue on the 6th"}]
    # Held on the date booked, in its window, needs no reason.
    other = await p.refer(child={"reference": "C-2"})
    await p.request_scoping(other, date(2027, 1, 8))
    p.on(date(2027, 1, 8))
    await p.post(other, "/meeting/held", {"held_on": "2027-01-08"}, p.bu)


async def _deadline(p, case_id: str, key: str):
    return (await p.deadlines(case_id)).get(key)
