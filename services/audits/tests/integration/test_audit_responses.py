"""The audit tool goes to the agencies involved in the four sampled cases; each agency answers from its
own records, sees only its own responses, saves drafts and submits once complete. A submission that
breaks the framework's rules is refused with every broken rule named, and nothing is saved. An
immediate safeguarding concern found while auditing is recorded on the audit and escalated at once."""
from __future__ import annotations

import asyncio

from audits_desk import AGENCIES_OF, POPULATION

from audits.adapters.orm import responses
from safeguard_shared.contracts.audits import (
    AuditMilestoneReached,
    AuditToolSent,
    ConcernRaised,
    ResponseSubmitted,
    ScopeAgreed,
)

COMPLETE = {"answers": {"q1": "Records show repeated missed health appointments and poor school attendance.",
                        "q2": "Yes", "q3": "Shared with children's social care by phone, followed up in writing."},
            "impact_evidence": "The referral led to an early help plan; attendance rose from 60% to 85%."}


async def audit_sent_to_agencies(desk) -> tuple[str, list[str]]:
    audit_id = await desk.plan()
    drawn = await desk.sample(audit_id, seed=42)
    await desk.send_tool(audit_id)
    return audit_id, drawn["cases"]


async def police_response(desk, audit_id: str) -> dict:
    [first, *_] = await desk.responses(audit_id, desk.agency("police"))
    return first


async def test_the_tool_goes_to_every_agency_involved_in_each_sampled_case(desk, service):
    audit_id, cases = await audit_sent_to_agencies(desk)

    owed = {(r["case_ref"], r["agency"]) for r in await desk.responses(audit_id, desk.qa)}
    assert owed == {(ref, a) for ref in cases for a in AGENCIES_OF[ref]}
    [sent] = await desk.owed(AuditToolSent)
    assert sent.agencies == sorted({a for ref in cases for a in AGENCIES_OF[ref]})
    assert sent.responses_owed == len(owed)
    facts = [e.fact for e in await desk.owed(AuditMilestoneReached)]
    assert facts == ["scope_agreed", "template_sent"]
    assert (await desk.owed(ScopeAgreed))[0].open_questions == 2


async def test_each_agency_sees_only_its_own_responses_with_the_same_questions(desk):
    audit_id, cases = await audit_sent_to_agencies(desk)

    police = await desk.responses(audit_id, desk.agency("police"))
    icb = await desk.responses(audit_id, desk.agency("icb", "safeguarding_lead"))

    assert {r["agency"] for r in police} == {"police"} and {r["agency"] for r in icb} == {"icb"}
    assert police[0]["questions"] == icb[0]["questions"]
    other = f"/v1/audits/{audit_id}/responses/{icb[0]['response_id']}"
    assert (await desk.client.get(other, headers=desk.agency("police"))).status_code == 404
    assert (await desk.client.put(other, headers=desk.agency("police"), json=COMPLETE)).status_code == 404
    not_asked = await desk.client.get(f"/v1/audits/{audit_id}/responses", headers=desk.agency("housing"))
    assert not_asked.status_code == 404


async def test_a_draft_is_saved_incomplete_and_submitted_once_complete(desk):
    audit_id, _ = await audit_sent_to_agencies(desk)
    mine = await police_response(desk, audit_id)
    url, police = f"/v1/audits/{audit_id}/responses/{mine['response_id']}", desk.agency("police")

    draft = await desk.ok("PUT", url, police, json={"answers": {"q1": "Still reading the records"}})
    assert draft["status"] == "draft" and draft["answers"] == {"q1": "Still reading the records"}
    await desk.ok("PUT", url, police, json=COMPLETE)
    submitted = await desk.ok("POST", url + "/submit", police)

    assert submitted["status"] == "submitted" and submitted["submitted_on"] == "2027-01-04"
    [event] = await desk.owed(ResponseSubmitted)
    assert (event.agency, event.case_no, event.no_information_held) == ("police", mine["case_no"], False)
    again = await desk.client.put(url, headers=police, json=COMPLETE)
    assert again.status_code == 409 and "submitted on 2027-01-04" in again.json()["detail"]
    assert (await desk.client.post(url + "/submit", headers=police)).status_code == 409


async def test_a_response_breaking_every_rule_is_refused_naming_each_one_and_nothing_is_saved(desk, service):
    audit_id, _ = await audit_sent_to_agencies(desk)
    mine = await police_response(desk, audit_id)
    url = f"/v1/audits/{audit_id}/responses/{mine['response_id']}/submit"

    refused = await desk.client.post(url, headers=desk.agency("police"), json={
        "answers": {"q1": "Yes.", "q3": "   ", "q9": "an answer to a question the tool does not ask"},
        "impact_evidence": ""})

    assert refused.status_code == 422
    problems = {tuple(p["loc"]): p["type"] for p in refused.json()["detail"]}
    assert problems == {
        ("body", "answers", "q9"): "unknown_question",
        ("body", "answers", "q1"): "yes_no_to_open_question",
        ("body", "answers", "q2"): "blank_answer",
        ("body", "answers", "q3"): "blank_answer",
        ("body", "impact_evidence"): "impact_evidence_missing",
    }
    [row] = [r for r in await service.rows(responses) if r["response_id"] == mine["response_id"]]
    assert (row["status"], row["answers"]) == ("not_started", {})
    assert await desk.owed(ResponseSubmitted) == []


async def test_an_open_question_answered_no_is_refused_alone(desk):
    audit_id, _ = await audit_sent_to_agencies(desk)
    mine = await police_response(desk, audit_id)

    refused = await desk.client.post(f"/v1/audits/{audit_id}/responses/{mine['response_id']}/submit",
                                     headers=desk.agency("police"),
                                     json={**COMPLETE, "answers": {**COMPLETE["answers"], "q3": "no"}})

    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "answers", "q3"] and "open question" in problem["msg"]


async def test_an_agency_holding_nothing_says_so_explicitly_and_may_submit(desk):
    audit_id, _ = await audit_sent_to_agencies(desk)
    mine = await police_response(desk, audit_id)
    nothing = "No information available"

    submitted = await desk.ok("POST", f"/v1/audits/{audit_id}/responses/{mine['response_id']}/submit",
                              desk.agency("police"), json={"answers": {q: nothing for q in ("q1", "q2", "q3")},
                                                           "impact_evidence": nothing})

    assert submitted["status"] == "submitted"
    assert (await desk.owed(ResponseSubmitted))[0].no_information_held is True


async def test_no_information_is_not_evidence_of_impact_from_an_agency_that_answered_from_its_records(desk):
    audit_id, _ = await audit_sent_to_agencies(desk)
    mine = await police_response(desk, audit_id)

    refused = await desk.client.post(f"/v1/audits/{audit_id}/responses/{mine['response_id']}/submit",
                                     headers=desk.agency("police"),
                                     json={**COMPLETE, "impact_evidence": "no information available"})

    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "impact_evidence"]


async def test_the_qa_lead_reads_every_response_but_cannot_write_an_agencys(desk):
    audit_id, _ = await audit_sent_to_agencies(desk)
    mine = await police_response(desk, audit_id)

    response = await desk.client.put(f"/v1/audits/{audit_id}/responses/{mine['response_id']}", headers=desk.qa,
                                     json=COMPLETE)

    assert response.status_code == 403
    assert len(await desk.responses(audit_id, desk.qa)) > len(await desk.responses(audit_id, desk.agency("police")))


async def test_the_tool_waits_for_the_scope_and_the_draw_and_is_fixed_once_sent(desk):
    unscoped = await desk.plan(scope=False)
    assert (await desk.client.post(f"/v1/audits/{unscoped}/tool", headers=desk.qa, json={})).status_code == 409
    audit_id = await desk.plan()
    no_draw = await desk.client.post(f"/v1/audits/{audit_id}/tool", headers=desk.qa, json={})
    assert no_draw.status_code == 409 and "draw the four cases" in no_draw.json()["detail"]
    await desk.sample(audit_id)
    await desk.send_tool(audit_id)

    changed = await desk.client.put(f"/v1/audits/{audit_id}/scope", headers=desk.qa, json={
        "theme_lead": "Another lead", "scope": "Another scope",
        "questions": [{"id": "q1", "text": "?", "kind": "open"}]})

    assert changed.status_code == 409 and "fixed" in changed.json()["detail"]


async def test_a_draw_from_a_plain_list_needs_the_involved_agencies_named_when_the_tool_is_sent(desk):
    audit_id = await desk.plan()
    drawn = await desk.ok("POST", f"/v1/audits/{audit_id}/sample", json={"population": POPULATION, "seed": 42})

    refused = await desk.client.post(f"/v1/audits/{audit_id}/tool", headers=desk.qa,
                                     json={"involved_agencies": {drawn["cases"][0]: ["police"]}})
    assert refused.status_code == 422
    assert [p["loc"][-1] for p in refused.json()["detail"]] == drawn["cases"][1:]

    sent = await desk.ok("POST", f"/v1/audits/{audit_id}/tool",
                         json={"involved_agencies": {ref: ["police", "icb"] for ref in drawn["cases"]}})
    assert sent["status"] == "tool_sent"


async def test_the_audit_tool_needs_unique_question_ids_and_kinds_open_or_closed(desk):
    audit_id = await desk.plan(scope=False)

    refused = await desk.client.put(f"/v1/audits/{audit_id}/scope", headers=desk.qa, json={
        "theme_lead": "QA theme lead", "scope": "Neglect",
        "questions": [{"id": "q1", "text": "One?", "kind": "open"}, {"id": "q1", "text": "Two?", "kind": "closed"}]})

    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "questions", "1", "id"]
    bad_kind = await desk.client.put(f"/v1/audits/{audit_id}/scope", headers=desk.qa, json={
        "theme_lead": "L", "scope": "S", "questions": [{"id": "q1", "text": "One?", "kind": "multiple"}]})
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"][0]["loc"][:3] == ["body", "questions", 0]


async def test_an_immediate_concern_is_recorded_on_the_audit_and_escalated_at_once(desk):
    audit_id, cases = await audit_sent_to_agencies(desk)
    concern = "CONCERN-TEXT: a sibling may be at risk of harm tonight"

    raised = await desk.ok("POST", f"/v1/audits/{audit_id}/concerns", desk.agency("police"), json={
        "agency_concerned": "local_authority", "concern": concern, "case_no": 2,
        "action_taken": "Referred to the MASH by phone"})

    assert raised["escalated"] is True
    [event] = await desk.owed(ConcernRaised)
    assert (event.audit_id, event.raised_by_agency, event.agency_concerned, event.case_no, event.kind) == (
        audit_id, "police", "local_authority", 2, "children")
    owed = await desk.outbox_text()
    assert "CONCERN-TEXT" not in owed and not any(ref in owed for ref in cases)
    shown = await desk.ok("GET", f"/v1/audits/{audit_id}")
    assert [c["concern"] for c in shown["concerns"]] == [concern]


async def test_an_agency_not_asked_to_audit_cannot_raise_a_concern_on_the_audit(desk):
    audit_id, _ = await audit_sent_to_agencies(desk)

    response = await desk.client.post(f"/v1/audits/{audit_id}/concerns", headers=desk.agency("housing"),
                                      json={"agency_concerned": "police", "concern": "x"})

    assert response.status_code == 404
    assert await desk.owed(ConcernRaised) == []


async def test_every_agency_submitting_at_the_same_moment_is_accepted(desk, service):
    audit_id, _ = await audit_sent_to_agencies(desk)
    submissions = []
    for agency in ("local_authority", "police", "icb", "school"):
        token = desk.agency(agency)
        for response in await desk.responses(audit_id, token):
            submissions.append(desk.client.post(
                f"/v1/audits/{audit_id}/responses/{response['response_id']}/submit", headers=token, json=COMPLETE))

    answers = await asyncio.gather(*submissions)

    assert [a.status_code for a in answers] == [200] * len(submissions)
    assert {r["status"] for r in await service.rows(responses)} == {"submitted"}
    assert len(await desk.owed(ResponseSubmitted)) == len(submissions)


async def test_an_agency_finds_the_responses_it_owes_across_audits_and_no_other_agencys(desk):
    audit_id, cases = await audit_sent_to_agencies(desk)
    police = desk.agency("police")

    owed = await desk.ok("GET", "/v1/responses", police)
    assert {r["agency"] for r in owed} == {"police"} and {r["audit_id"] for r in owed} == {audit_id}
    assert {r["case_ref"] for r in owed} == {ref for ref in cases if "police" in AGENCIES_OF[ref]}
    assert all(r["status"] == "not_started" and "answers" not in r and r["session_on"] is None for r in owed)
    assert owed[0]["theme"] and owed[0]["qa_meeting_on"]
    # Asking for another agency's changes nothing: an agency sees its own.
    assert await desk.ok("GET", "/v1/responses?agency=icb", police) == owed
    assert len(await desk.ok("GET", "/v1/responses", desk.qa)) == sum(len(AGENCIES_OF[ref]) for ref in cases)
    assert await desk.ok("GET", "/v1/responses?status=submitted", police) == []
    assert (await desk.client.get("/v1/responses", headers=desk.agency("police", "panel_member"))).status_code == 403
