"""The audit session and learning event: invitees get the programme with their times; attendance is
recorded by agency and absences named; the findings are ratified by the children's partnership group
(or the safeguarding adults board) before the executive; good practice is acknowledged; the learning
is published without identifying details, as HTML or Markdown, and fed back in lunchtime briefings."""
from __future__ import annotations

from audits_desk import at

from safeguard_shared.contracts.audits import (
    AuditMilestoneReached,
    AuditRatified,
    BriefingHeld,
    GoodPracticeAcknowledged,
    InvitationsSent,
    LearningEventHeld,
    LearningPublished,
)

LEARNING = {"summary": "Where school attendance was the only sign of neglect, help came late.",
            "learning_points": ["Attendance below 90% for a term is a reason to ask about neglect",
                                "Early help plans should name who tells the school"],
            "identifying_details_removed": True}


async def ratified(desk, kind: str = "children") -> str:
    audit_id = await desk.through_findings(kind)
    first = "children_partnership_group" if kind == "children" else "safeguarding_adults_board"
    await desk.ok("POST", f"/v1/audits/{audit_id}/ratifications", json={"by": first, "ratified_on": "2027-02-10"})
    await desk.ok("POST", f"/v1/audits/{audit_id}/ratifications", json={"by": "executive", "ratified_on": "2027-02-10"})
    return audit_id


async def test_invitees_receive_the_programme_with_the_times_they_are_needed(desk):
    audit_id = await desk.plan()
    await desk.sample(audit_id)
    await desk.send_tool(audit_id)

    await desk.invite(audit_id)

    [sent] = await desk.owed(InvitationsSent)
    assert sent.held_on.isoformat() == "2027-02-10" and len(sent.programme) == 3
    assert [(i.agency, i.required_from, i.required_until) for i in sent.invitees][0] == (
        "local_authority", "09:30", "15:00")
    assert "programme_sent" in [e.fact for e in await desk.owed(AuditMilestoneReached)]


async def test_an_invitees_time_outside_the_programme_or_a_programme_naming_a_case_is_refused(desk):
    audit_id = await desk.plan()
    drawn = await desk.sample(audit_id)
    await desk.send_tool(audit_id)

    refused = await desk.client.post(f"/v1/audits/{audit_id}/invitations", headers=desk.qa, json={
        "held_on": "2027-02-10",
        "programme": [{"starts_at": "09:30", "ends_at": "12:00", "item": f"Case {drawn['cases'][0]}"},
                      {"starts_at": "14:00", "ends_at": "13:00", "item": "Learning"}],
        "invitees": [{"agency": "police", "role": "auditor", "required_from": "08:00", "required_until": "10:00"},
                     {"agency": "icb", "role": "manager", "required_from": "9.30", "required_until": "10:00"}]})

    assert refused.status_code == 422
    assert [p["loc"] for p in refused.json()["detail"]] == [
        ["body", "programme", "1", "ends_at"], ["body", "invitees", "0"], ["body", "invitees", "1"],
        ["body", "programme", "0", "item"]]
    assert await desk.owed(InvitationsSent) == []


async def test_attendance_is_recorded_by_agency_and_absent_agencies_are_reported(desk):
    audit_id = await desk.plan()
    await desk.sample(audit_id)
    await desk.send_tool(audit_id)
    await desk.invite(audit_id)

    held = await desk.hold(audit_id, came=("local_authority", "police", "icb"))

    assert held["attendance"]["absent"] == ["school"] and held["status"] == "held"
    [event] = await desk.owed(LearningEventHeld)
    assert (event.attended_agencies, event.absent_agencies) == (["icb", "local_authority", "police"], ["school"])
    [fact] = [e for e in await desk.owed(AuditMilestoneReached) if e.fact == "audit_held"]
    assert fact.on.isoformat() == "2027-02-10"
    again = await desk.client.post(f"/v1/audits/{audit_id}/attendance", headers=desk.qa,
                                   json={"held_on": "2027-02-10", "attended": []})
    assert again.status_code == 409


async def test_attendance_waits_for_the_invitations_and_for_the_day(desk):
    audit_id = await desk.plan()
    await desk.sample(audit_id)
    await desk.send_tool(audit_id)
    early = await desk.client.post(f"/v1/audits/{audit_id}/attendance", headers=desk.qa,
                                   json={"held_on": "2027-02-10", "attended": []})
    assert early.status_code == 409
    await desk.invite(audit_id)

    future = await desk.client.post(f"/v1/audits/{audit_id}/attendance", headers=desk.qa,
                                    json={"held_on": "2027-02-10", "attended": []})

    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "held_on"]


async def test_the_executive_cannot_ratify_before_the_childrens_partnership_group(desk):
    audit_id = await desk.through_findings("children")

    early = await desk.client.post(f"/v1/audits/{audit_id}/ratifications", headers=desk.qa,
                                   json={"by": "executive", "ratified_on": "2027-02-10"})
    wrong_body = await desk.client.post(f"/v1/audits/{audit_id}/ratifications", headers=desk.qa,
                                        json={"by": "safeguarding_adults_board", "ratified_on": "2027-02-10"})

    assert early.status_code == 409 and "children's partnership group ratifies" in early.json()["detail"]
    assert wrong_body.status_code == 422 and wrong_body.json()["detail"][0]["loc"] == ["body", "by"]
    await desk.ok("POST", f"/v1/audits/{audit_id}/ratifications",
                  json={"by": "children_partnership_group", "ratified_on": "2027-02-10"})
    done = await desk.ok("POST", f"/v1/audits/{audit_id}/ratifications",
                         json={"by": "executive", "ratified_on": "2027-02-10"})
    assert done["status"] == "ratified"
    assert [e.by for e in await desk.owed(AuditRatified)] == ["children_partnership_group", "executive"]
    changed = await desk.client.post(f"/v1/audits/{audit_id}/findings", headers=desk.qa,
                                     json={"findings": ["rewritten"]})
    assert changed.status_code == 409


async def test_an_adults_audit_is_ratified_by_the_safeguarding_adults_board_first(desk):
    audit_id = await ratified(desk, "adults")

    assert [(e.kind, e.by) for e in await desk.owed(AuditRatified)] == [
        ("adults", "safeguarding_adults_board"), ("adults", "executive")]
    shown = await desk.ok("GET", f"/v1/audits/{audit_id}")
    assert shown["ratifications"] == {"safeguarding_adults_board": "2027-02-10", "executive": "2027-02-10"}


async def test_findings_cannot_be_ratified_before_they_are_recorded(desk):
    audit_id = await desk.plan()

    response = await desk.client.post(f"/v1/audits/{audit_id}/ratifications", headers=desk.qa,
                                      json={"by": "children_partnership_group", "ratified_on": "2027-01-04"})

    assert response.status_code == 409


async def test_good_practice_is_acknowledged_and_the_report_presented_at_the_qa_sub_group(desk):
    audit_id = await desk.through_findings()

    await desk.ok("POST", f"/v1/audits/{audit_id}/good-practice",
                  json={"agency": "school", "practice": "The designated safeguarding lead chased every absence"})
    desk.clock.set(at("2027-03-10", 16))
    await desk.ok("POST", f"/v1/audits/{audit_id}/report", json={"presented_on": "2027-03-10"})

    [ack] = await desk.owed(GoodPracticeAcknowledged)
    assert ack.agency == "school"
    assert [e.fact for e in await desk.owed(AuditMilestoneReached)][-1] == "report_presented"


async def test_learning_is_published_only_after_the_executive_and_without_identifying_details(desk):
    unratified = await desk.through_findings()
    early = await desk.client.post(f"/v1/audits/{unratified}/learning", headers=desk.qa, json=LEARNING)
    assert early.status_code == 409
    audit_id = await ratified(desk)
    drawn = (await desk.ok("GET", f"/v1/audits/{audit_id}"))["sample"]["cases"]

    refused = await desk.client.post(f"/v1/audits/{audit_id}/learning", headers=desk.qa, json={
        "summary": f"In case {drawn[0]} the child, born 02/04/2015, was missed.",
        "learning_points": ["fine"], "identifying_details_removed": False})

    assert refused.status_code == 422
    assert [(p["loc"], p["type"]) for p in refused.json()["detail"]] == [
        (["body", "identifying_details_removed"], "value_error"),
        (["body", "summary"], "identifying_detail"), (["body", "summary"], "identifying_detail")]
    published = await desk.ok("POST", f"/v1/audits/{audit_id}/learning", json=LEARNING)
    assert published["status"] == "learning_published"
    [event] = await desk.owed(LearningPublished)
    assert (event.learning_points, event.theme) == (2, "neglect in adolescence")


async def test_published_learning_reads_as_markdown_or_html_by_anyone_signed_in(desk):
    audit_id = await ratified(desk)
    await desk.ok("POST", f"/v1/audits/{audit_id}/good-practice",
                  json={"agency": "school", "practice": "Chased <every> absence"})
    await desk.ok("POST", f"/v1/audits/{audit_id}/learning", json=LEARNING)
    police = desk.agency("police")

    md = await desk.client.get(f"/v1/audits/{audit_id}/learning", headers=police)
    page = await desk.client.get(f"/v1/audits/{audit_id}/learning", headers=police, params={"format": "html"})

    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Learning from a multi-agency case file audit: neglect in adolescence")
    assert "- Attendance below 90% for a term is a reason to ask about neglect" in md.text
    assert "school: Chased \\<every\\> absence" in md.text
    assert page.headers["content-type"].startswith("text/html")
    assert "<li>school: Chased &lt;every&gt; absence</li>" in page.text
    listed = await desk.ok("GET", "/v1/learning", police)
    assert [item["audit_id"] for item in listed] == [audit_id]


async def test_lunchtime_briefings_feed_the_published_learning_back_to_front_line_staff(desk):
    audit_id = await ratified(desk)
    early = await desk.client.post(f"/v1/audits/{audit_id}/briefings", headers=desk.qa,
                                   json={"held_on": "2027-02-10", "attendees": 20})
    assert early.status_code == 409
    await desk.ok("POST", f"/v1/audits/{audit_id}/learning", json=LEARNING)

    await desk.ok("POST", f"/v1/audits/{audit_id}/briefings",
                  json={"held_on": "2027-02-10", "attendees": 34, "agencies": ["school", "police", "school"]})

    [briefing] = await desk.owed(BriefingHeld)
    assert (briefing.attendees, briefing.agencies) == (34, ["police", "school"])
    assert (await desk.ok("GET", "/v1/learning"))[0]["briefings"] == 1
