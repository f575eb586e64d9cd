"""The QA sub-group publishes themes; each theme gets an audit for children, adults or both, planned
backward from the QA sub-group meeting (the clock computes the dates from audits.audit.planned), with
its theme lead, scope and audit tool."""
from __future__ import annotations

from audits_desk import QA_MEETING, QUESTIONS

from safeguard_shared.contracts.audits import AuditMilestoneReached, AuditPlanned, ScopeAgreed, ThemePublished


async def test_a_published_theme_gets_one_audit_of_each_kind(desk):
    theme = await desk.ok("POST", "/v1/themes", json={
        "title": "Neglect in adolescence", "kinds": ["children", "adults"],
        "description": "Chosen from the annual report's themes"})
    body = {"theme": "Neglect in adolescence", "theme_id": theme["theme_id"], "qa_meeting_on": QA_MEETING}

    children = await desk.ok("POST", "/v1/audits", json={**body, "kind": "children"})
    adults = await desk.ok("POST", "/v1/audits", json={**body, "kind": "adults"})
    again = await desk.client.post("/v1/audits", headers=desk.qa, json={**body, "kind": "children"})

    assert again.status_code == 409 and "already has a children's audit" in again.json()["detail"]
    assert (children["theme_id"], adults["theme_id"]) == (theme["theme_id"], theme["theme_id"])
    [published] = await desk.owed(ThemePublished)
    assert published.kinds == ["children", "adults"]
    assert [e.kind for e in await desk.owed(AuditPlanned)] == ["children", "adults"]
    assert [t["title"] for t in await desk.ok("GET", "/v1/themes", desk.agency("police"))] == ["Neglect in adolescence"]


async def test_an_audit_names_a_published_theme_of_its_kind(desk):
    theme = await desk.ok("POST", "/v1/themes", json={"title": "Self-neglect", "kinds": ["adults"]})

    unknown = await desk.client.post("/v1/audits", headers=desk.qa, json={
        "theme": "x", "kind": "adults", "qa_meeting_on": QA_MEETING, "theme_id": "no-such-theme"})
    wrong_kind = await desk.client.post("/v1/audits", headers=desk.qa, json={
        "theme": "Self-neglect", "kind": "children", "qa_meeting_on": QA_MEETING, "theme_id": theme["theme_id"]})

    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "theme_id"]
    assert wrong_kind.status_code == 422 and wrong_kind.json()["detail"][0]["loc"] == ["body", "kind"]
    assert await desk.owed(AuditPlanned) == []


async def test_the_theme_lead_scope_and_tool_are_recorded_when_planning_and_agreed_on_the_clock(desk):
    audit_id = await desk.plan()

    shown = await desk.ok("GET", f"/v1/audits/{audit_id}")

    assert (shown["theme_lead"], shown["questions"], shown["status"]) == ("QA theme lead", QUESTIONS, "scope_agreed")
    assert shown["scope_agreed_on"] == "2027-01-04"
    [planned] = await desk.owed(AuditPlanned)
    assert planned.qa_meeting_on.isoformat() == QA_MEETING
    [scope] = await desk.owed(ScopeAgreed)
    assert (scope.questions, scope.open_questions) == (3, 2)
    [fact] = await desk.owed(AuditMilestoneReached)
    assert (fact.fact, fact.on.isoformat()) == ("scope_agreed", "2027-01-04")
    assert "QA theme lead" not in await desk.outbox_text()


async def test_the_scope_is_agreed_whole_or_not_at_all(desk, service):
    response = await desk.client.post("/v1/audits", headers=desk.qa, json={
        "theme": "neglect", "kind": "children", "qa_meeting_on": QA_MEETING, "theme_lead": "QA theme lead"})

    assert response.status_code == 422 and "give questions, scope too" in response.json()["detail"][0]["msg"]


async def test_the_qa_sub_group_lists_its_audits_by_meeting(desk):
    first = await desk.plan(theme="neglect")
    second = await desk.plan(kind="adults", theme="self-neglect", scope=False)

    listed = await desk.ok("GET", "/v1/audits")
    adults = await desk.ok("GET", "/v1/audits", params={"kind": "adults"})

    assert {a["audit_id"] for a in listed} == {first, second}
    assert [(a["audit_id"], a["status"]) for a in adults] == [(second, "planned")]
    assert (await desk.client.get("/v1/audits", headers=desk.agency("police"))).status_code == 403


async def test_an_audit_cannot_be_planned_for_a_qa_meeting_already_past(desk):
    """Planned backward from the meeting, a past meeting would start every MACFA clock overdue."""
    response = await desk.client.post("/v1/audits", json={"theme": "late", "kind": "children",
                                                           "qa_meeting_on": "2020-03-10"}, headers=desk.qa)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "qa_meeting_on"]
