"""Action plans, monitored to completion: actions from an audit's findings and from a review's published
recommendations, each with its owning agency, due date, progress updates and completion evidence. An
action not completed by the end of its due day becomes overdue and is escalated again at the
partnership's interval. The plan exports to CSV and Excel."""
from __future__ import annotations

import io

from audits_desk import at, deliver_envelope, run_ticker_round
from openpyxl import load_workbook

from audits.adapters.orm import actions, inbox
from safeguard_shared.contracts.audits import (
    ActionCompleted,
    ActionCreated,
    ActionDueDateSet,
    ActionEscalated,
    ActionOverdue,
    ActionProgressRecorded,
)
from safeguard_shared.contracts.referrals import Recommendation, RecommendationsPublished

REVIEW_CASE = "5a1f0c3e-0000-4000-8000-0000000000aa"


async def audit_action(desk, due_on: str = "2027-03-31", agency: str = "school") -> tuple[str, dict]:
    audit_id = await desk.through_findings()
    action = await desk.ok("POST", f"/v1/audits/{audit_id}/actions", json={
        "description": "=HYPERLINK(\"x\") Attendance below 90% prompts a conversation about neglect",
        "owning_agency": agency, "due_on": due_on})
    return audit_id, action


async def tick_on(desk, day: str, hour: int = 9) -> int:
    desk.clock.set(at(day, hour))
    return await run_ticker_round(desk.service)


async def test_an_action_is_added_to_the_audits_plan_with_its_owner_and_due_date(desk):
    audit_id, action = await audit_action(desk)

    assert (action["status"], action["owning_agency"], action["due_on"], action["overdue"]) == (
        "open", "school", "2027-03-31", False)
    [created] = await desk.owed(ActionCreated)
    assert (created.source, created.audit_id, created.owning_agency) == ("audit", audit_id, "school")
    assert (await desk.ok("GET", f"/v1/audits/{audit_id}"))["actions"] == {"open": 1}


async def test_an_audit_has_no_action_plan_before_its_findings(desk):
    audit_id = await desk.plan()

    response = await desk.client.post(f"/v1/audits/{audit_id}/actions", headers=desk.qa, json={
        "description": "x", "owning_agency": "school", "due_on": "2027-03-31"})

    assert response.status_code == 409


async def test_an_action_goes_overdue_at_the_end_of_its_due_day_and_is_escalated_every_fortnight(desk):
    _, action = await audit_action(desk, due_on="2027-03-31")

    assert await tick_on(desk, "2027-03-31", 23) == 0, "not before its due day has ended"
    assert await tick_on(desk, "2027-04-01", 0) == 1
    assert await tick_on(desk, "2027-04-01", 12) == 0, "once"
    [overdue] = await desk.owed(ActionOverdue)
    assert (overdue.action_id, overdue.overdue_on.isoformat(), overdue.owning_agency) == (
        action["action_id"], "2027-04-01", "school")
    assert (await desk.ok("GET", f"/v1/actions/{action['action_id']}"))["overdue"] is True

    assert await tick_on(desk, "2027-05-13") == 3, "after six weeks' downtime: 15 April, 29 April, 13 May"
    escalations = await desk.owed(ActionEscalated)
    assert [(e.escalation, e.escalated_on.isoformat(), e.days_overdue) for e in escalations] == [
        (1, "2027-04-15", 15), (2, "2027-04-29", 29), (3, "2027-05-13", 43)]


async def test_the_owning_agency_reports_progress_and_completes_with_evidence(desk):
    _, action = await audit_action(desk)
    url, school = f"/v1/actions/{action['action_id']}", desk.agency("school", "safeguarding_lead")

    await desk.ok("POST", url + "/progress", school, json={"note": "Attendance policy redrafted"})
    no_evidence = await desk.client.post(url + "/complete", headers=school, json={"evidence": "  "})
    assert no_evidence.status_code == 422
    done = await desk.ok("POST", url + "/complete", school,
                         json={"evidence": "Policy approved by governors on 1 March; staff briefed"})

    assert done["status"] == "completed" and done["completion_evidence"].startswith("Policy approved")
    assert [p["note"] for p in done["progress"]] == ["Attendance policy redrafted"]
    assert (await desk.owed(ActionProgressRecorded))[0].updates == 1
    [completed] = await desk.owed(ActionCompleted)
    assert completed.on_time is True
    assert (await desk.client.post(url + "/complete", headers=school, json={"evidence": "again"})).status_code == 409
    assert await tick_on(desk, "2027-06-01") == 0, "a completed action never goes overdue"


async def test_another_agency_neither_sees_nor_touches_an_action_it_does_not_own(desk):
    _, action = await audit_action(desk)
    police = desk.agency("police")

    assert (await desk.client.get(f"/v1/actions/{action['action_id']}", headers=police)).status_code == 404
    assert (await desk.client.post(f"/v1/actions/{action['action_id']}/progress", headers=police,
                                   json={"note": "x"})).status_code == 404
    assert await desk.ok("GET", "/v1/actions", police) == []
    assert len(await desk.ok("GET", "/v1/actions", desk.agency("school"))) == 1


async def test_one_action_is_refused_to_the_roles_the_action_list_refuses(desk):
    """GET /v1/actions/{id} agrees with GET /v1/actions: the owning agency's reporting reader, panel member or
    reviewer reads neither (403), while its referrer and safeguarding lead read both."""
    _, action = await audit_action(desk)
    url = f"/v1/actions/{action['action_id']}"

    for role in ("reporting_reader", "panel_member", "reviewer", "independent_chair"):
        school = desk.agency("school", role)
        listed = await desk.client.get("/v1/actions", headers=school)
        one = await desk.client.get(url, headers=school)
        assert (listed.status_code, one.status_code) == (403, 403), role
        progress = await desk.client.post(url + "/progress", headers=school, json={"note": "x"})
        assert progress.status_code == 403, role
    for role in ("referrer", "safeguarding_lead"):
        school = desk.agency("school", role)
        assert [a["action_id"] for a in await desk.ok("GET", "/v1/actions", school)] == [action["action_id"]]
        assert (await desk.ok("GET", url, school))["action_id"] == action["action_id"]
    assert (await desk.ok("GET", url))["progress"] == [], "no refused request wrote progress"


async def test_a_new_due_date_takes_an_overdue_action_back_on_track(desk):
    _, action = await audit_action(desk, due_on="2027-03-31")
    await tick_on(desk, "2027-04-02")
    url = f"/v1/actions/{action['action_id']}/due-date"
    assert (await desk.client.put(url, headers=desk.agency("school"), json={"due_on": "2027-06-30"})).status_code == 403

    moved = await desk.ok("PUT", url, json={"due_on": "2027-06-30"})

    assert (moved["overdue"], moved["escalations"], moved["due_on"]) == (False, 0, "2027-06-30")
    assert (await desk.owed(ActionDueDateSet))[0].previous_due_on.isoformat() == "2027-03-31"
    assert await tick_on(desk, "2027-06-30", 20) == 0


async def deliver(service, event: RecommendationsPublished) -> bool:
    env = event.envelope(producer="referrals", occurred_at=service.runtime.clock.now(), event_id="evt-recs-1")
    return await deliver_envelope(service, env)


RECOMMENDATIONS = RecommendationsPublished(case_id=REVIEW_CASE, pathway="child", recommendations=[
    Recommendation(recommendation_id="R1", text="Health visitors record the father's role", owning_agency="icb"),
    Recommendation(recommendation_id="R2", text="Police share DA notifications with schools", owning_agency="police")])


async def test_a_reviews_published_recommendations_become_actions_waiting_for_a_due_date(desk, service):
    assert await deliver(service, RECOMMENDATIONS) is True
    assert await deliver(service, RECOMMENDATIONS) is False, "a redelivery has no second effect"

    plan = await desk.ok("GET", "/v1/actions", params={"case_id": REVIEW_CASE})
    assert [(a["owning_agency"], a["status"], a["due_on"]) for a in plan] == [
        ("icb", "proposed", None), ("police", "proposed", None)]
    assert await service.count(actions) == 2 and await service.count(inbox) == 1
    created = await desk.owed(ActionCreated)
    assert [(e.source, e.case_id, e.due_on) for e in created] == [("review", REVIEW_CASE, None)] * 2
    police_action = next(a for a in plan if a["owning_agency"] == "police")
    url = f"/v1/actions/{police_action['action_id']}"
    early = await desk.client.post(url + "/complete", headers=desk.agency("police"), json={"evidence": "done"})
    assert early.status_code == 409
    agreed = await desk.ok("PUT", url + "/due-date", json={"due_on": "2027-02-26"})
    assert agreed["status"] == "open"
    assert await tick_on(desk, "2027-02-27") == 1


async def test_the_action_plan_exports_to_csv_and_excel_without_running_formulas(desk):
    audit_id, action = await audit_action(desk)
    await desk.ok("POST", f"/v1/actions/{action['action_id']}/progress", json={"note": "Drafted"})

    csv_file = await desk.client.get("/v1/actions/export", headers=desk.qa, params={"audit_id": audit_id})
    xlsx_file = await desk.client.get("/v1/actions/export", headers=desk.qa, params={"format": "xlsx"})

    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("action_id,source,audit_id,case_id,owning_agency,description,status,due_on,overdue")
    assert "'=HYPERLINK" in lines[1] and "2027-02-10: Drafted" in lines[1]
    assert 'attachment; filename="action-plan-' in xlsx_file.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx_file.content), data_only=False).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row), "no cell is a formula"
    rows = list(sheet.values)
    assert rows[0][:3] == ("action_id", "source", "audit_id") and rows[1][4] == "school"
    assert rows[1][5].startswith("=HYPERLINK") and sheet.cell(2, 6).data_type == "s"
    assert (rows[1][7].date() if hasattr(rows[1][7], "date") else rows[1][7]).isoformat() == "2027-03-31"


async def test_the_plan_lists_overdue_actions_by_agency(desk):
    await audit_action(desk, due_on="2027-02-12", agency="school")
    await tick_on(desk, "2027-02-15")

    overdue = await desk.ok("GET", "/v1/actions", params={"overdue": "true"})
    on_track = await desk.ok("GET", "/v1/actions", params={"overdue": "false"})

    assert [(a["owning_agency"], a["overdue_since"]) for a in overdue] == [("school", "2027-02-13")]
    assert on_track == []


async def test_every_event_about_an_action_from_a_review_names_its_case_by_reference(desk, service):
    published = RECOMMENDATIONS.model_copy(update={"case_ref": "CSPR-2027-5A1F0C"})
    assert await deliver(service, published) is True
    plan = await desk.ok("GET", "/v1/actions", params={"case_id": REVIEW_CASE})
    police = next(a for a in plan if a["owning_agency"] == "police")
    url = f"/v1/actions/{police['action_id']}"
    await desk.ok("PUT", url + "/due-date", json={"due_on": "2027-02-26"})
    assert await tick_on(desk, "2027-03-15") == 2, "overdue, then escalated a fortnight later"
    await desk.ok("POST", url + "/progress", desk.agency("police"), json={"note": "Protocol drafted"})
    await desk.ok("POST", url + "/complete", desk.agency("police"), json={"evidence": "Protocol signed off"})

    events = [e for kind in (ActionCreated, ActionDueDateSet, ActionOverdue, ActionEscalated, ActionProgressRecorded,
                             ActionCompleted) for e in await desk.owed(kind)]
    assert {type(e) for e in events} == {ActionCreated, ActionDueDateSet, ActionOverdue, ActionEscalated,
                                         ActionProgressRecorded, ActionCompleted}
    assert {e.case_ref for e in events} == {"CSPR-2027-5A1F0C"}
