"""One multi-agency case file audit from the theme to the lunchtime briefing, as the QA sub-group and
the agencies live it, and the events it owes in that order — none of them naming a sampled case."""
from __future__ import annotations

from audits_desk import POPULATION, at

from safeguard_shared.contracts.audits import AuditMilestoneReached

ANSWERS = {"answers": {"q1": "Known to the school nurse for untreated dental pain since Year 7.",
                       "q2": "No", "q3": "Concerns were shared at a team-around-the-family meeting."},
           "impact_evidence": "After the meeting the child was registered with a dentist and attended twice."}


async def test_a_childrens_audit_from_theme_to_briefing(desk):
    audit_id = await desk.plan()
    drawn = await desk.sample(audit_id, seed=2027)
    await desk.send_tool(audit_id)
    for agency in ("local_authority", "police", "icb", "school"):
        token = desk.agency(agency)
        for response in await desk.responses(audit_id, token) if agency != "icb" else []:
            await desk.ok("POST", f"/v1/audits/{audit_id}/responses/{response['response_id']}/submit", token,
                          json=ANSWERS)
    await desk.ok("POST", f"/v1/audits/{audit_id}/concerns", desk.agency("school"),
                  json={"agency_concerned": "local_authority", "concern": "A younger sibling is not attending"})
    desk.clock.set(at("2027-02-03"))
    await desk.invite(audit_id)
    await desk.hold(audit_id, came=("local_authority", "police", "school"))
    await desk.find(audit_id)
    await desk.ok("POST", f"/v1/audits/{audit_id}/ratifications",
                  json={"by": "children_partnership_group", "ratified_on": "2027-02-10"})
    await desk.ok("POST", f"/v1/audits/{audit_id}/ratifications", json={"by": "executive", "ratified_on": "2027-02-10"})
    await desk.ok("POST", f"/v1/audits/{audit_id}/actions", json={
        "description": "Early help plans name who tells the school", "owning_agency": "local_authority",
        "due_on": "2027-05-28"})
    await desk.ok("POST", f"/v1/audits/{audit_id}/good-practice",
                  json={"agency": "school", "practice": "The school nurse persisted until treatment happened"})
    desk.clock.set(at("2027-03-10", 15))
    await desk.ok("POST", f"/v1/audits/{audit_id}/report", json={"presented_on": "2027-03-10"})
    await desk.ok("POST", f"/v1/audits/{audit_id}/learning", json={
        "summary": "Dental neglect is neglect.", "learning_points": ["Ask about the dentist"],
        "identifying_details_removed": True})
    await desk.ok("POST", f"/v1/audits/{audit_id}/briefings", json={"held_on": "2027-03-10", "attendees": 41})

    audit = await desk.ok("GET", f"/v1/audits/{audit_id}")
    assert audit["status"] == "learning_published"
    icb_cases = sum("icb" in agencies for agencies in audit["sample"]["case_agencies"].values())
    assert audit["responses"]["icb"] == {"not_started": icb_cases}
    assert audit["attendance"]["absent"] == ["icb"] and len(audit["concerns"]) == 1
    types = [type(e).__name__ for e in await desk.owed()]
    assert types[:4] == ["AuditPlanned", "ScopeAgreed", "AuditMilestoneReached", "CasesSampled"]
    for expected in ("AuditToolSent", "ResponseSubmitted", "ConcernRaised", "InvitationsSent", "LearningEventHeld",
                     "FindingsRecorded", "AuditRatified", "ActionCreated", "GoodPracticeAcknowledged",
                     "LearningPublished", "BriefingHeld"):
        assert expected in types
    facts = [(e.fact, e.on.isoformat()) for e in await desk.owed(AuditMilestoneReached)]
    assert facts == [("scope_agreed", "2027-01-04"), ("template_sent", "2027-01-04"), ("programme_sent", "2027-02-03"),
                     ("audit_held", "2027-02-10"), ("report_presented", "2027-03-10")]
    owed = await desk.outbox_text()
    assert not any(ref in owed for ref in POPULATION) and drawn["cases"]
    assert "sibling" not in owed and "dentist" not in owed.lower()
