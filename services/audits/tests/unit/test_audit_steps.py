"""The audit as a state machine, without a store: each step checks the framework's order and rules and
says which events it owes."""
from __future__ import annotations

from datetime import date

import pytest

from audits.domain.audit import Audit
from audits.domain.errors import OutOfOrder, RuleBroken
from audits.domain.learning import identifying_details
from safeguard_shared.contracts.audits import AuditMilestoneReached, AuditRatified, LearningEventHeld

TODAY = date(2027, 1, 4)
TOOL = [{"id": "q1", "text": "What happened?", "kind": "open"}]
CASES = ["RR-1", "RR-2", "RR-3", "RR-4"]
PROGRAMME = [{"starts_at": "09:30", "ends_at": "12:00", "item": "Findings"}]


def audit(kind: str = "children") -> Audit:
    a = Audit(audit_id="a-1", theme="neglect", kind=kind, qa_meeting_on=date(2027, 3, 10), cases=list(CASES),
              case_agencies={ref: ["police", "school"] for ref in CASES})
    a.agree_scope(theme_lead="Lead", scope="Scope", questions=TOOL, today=TODAY)
    return a


def held(kind: str = "children") -> Audit:
    a = audit(kind)
    a.send_tool(involved_agencies={}, today=TODAY)
    a.send_invitations(held_on=date(2027, 2, 10), venue=None, programme=PROGRAMME, invitees=[
        {"agency": "police", "role": "auditor", "required_from": "09:30", "required_until": "12:00"},
        {"agency": "school", "role": "auditor", "required_from": "10:00", "required_until": "11:00"}], today=TODAY)
    a.record_attendance(held_on=date(2027, 2, 10), attended=[{"agency": "police", "role": "auditor"}],
                        absence_reasons={"school": "staff illness"}, today=date(2027, 2, 10))
    a.record_findings(findings=["f"], recommendations=[], today=date(2027, 2, 11))
    return a


def test_the_scope_is_agreed_once_on_the_clock_and_may_be_refined_until_the_tool_is_sent():
    a = Audit(audit_id="a-1", theme="neglect", kind="children", qa_meeting_on=date(2027, 3, 10))

    first = a.agree_scope(theme_lead="Lead", scope="Scope", questions=TOOL, today=TODAY)
    again = a.agree_scope(theme_lead="Lead 2", scope="Scope", questions=TOOL, today=date(2027, 1, 5))

    assert [type(e).__name__ for e in first] == ["ScopeAgreed", "AuditMilestoneReached"]
    assert [type(e).__name__ for e in again] == ["ScopeAgreed"] and a.scope_agreed_on == date(2027, 1, 4)


def test_the_tool_owes_one_response_per_agency_per_sampled_case():
    a = audit()

    events, owed = a.send_tool(involved_agencies={"RR-2": ["icb"]}, today=TODAY)

    assert len(owed) == 7 and (2, "RR-2", "icb") in owed
    assert [e.fact for e in events if isinstance(e, AuditMilestoneReached)] == ["template_sent"]


def test_absent_agencies_are_the_invited_ones_that_did_not_come_with_their_reasons():
    a = held()

    assert a.attendance["absent"] == ["school"] and a.attendance["absence_reasons"] == {"school": "staff illness"}


def test_an_absence_reason_for_an_agency_that_came_is_refused():
    a = audit()
    a.send_tool(involved_agencies={}, today=TODAY)
    a.send_invitations(held_on=date(2027, 2, 10), venue=None, programme=PROGRAMME, invitees=[
        {"agency": "police", "role": "auditor", "required_from": "09:30", "required_until": "12:00"}], today=TODAY)

    with pytest.raises(RuleBroken) as refused:
        a.record_attendance(held_on=date(2027, 2, 10), attended=[{"agency": "police", "role": "auditor"}],
                            absence_reasons={"police": "?"}, today=date(2027, 2, 10))
    assert refused.value.problems[0].loc == ("body", "absence_reasons", "police")


def test_the_order_of_ratification_is_enforced_for_children_and_adults():
    children, adults = held("children"), held("adults")

    with pytest.raises(OutOfOrder):
        children.ratify(by="executive", ratified_on=date(2027, 2, 12), today=date(2027, 2, 12))
    with pytest.raises(RuleBroken):
        adults.ratify(by="children_partnership_group", ratified_on=date(2027, 2, 12), today=date(2027, 2, 12))
    [event] = adults.ratify(by="safeguarding_adults_board", ratified_on=date(2027, 2, 12), today=date(2027, 2, 12))
    assert isinstance(event, AuditRatified)
    with pytest.raises(RuleBroken, match="executive cannot ratify before"):
        adults.ratify(by="executive", ratified_on=date(2027, 2, 11), today=date(2027, 2, 12))
    adults.ratify(by="executive", ratified_on=date(2027, 2, 12), today=date(2027, 2, 12))
    with pytest.raises(OutOfOrder, match="already ratified"):
        adults.ratify(by="executive", ratified_on=date(2027, 2, 12), today=date(2027, 2, 12))


def test_the_learning_event_held_event_names_absences_but_no_case():
    a = audit()
    a.send_tool(involved_agencies={}, today=TODAY)
    a.send_invitations(held_on=date(2027, 2, 10), venue=None, programme=PROGRAMME, invitees=[
        {"agency": "school", "role": "auditor", "required_from": "09:30", "required_until": "12:00"}], today=TODAY)

    [held_event, fact] = a.record_attendance(held_on=date(2027, 2, 10), attended=[], absence_reasons={},
                                             today=date(2027, 2, 10))

    assert isinstance(held_event, LearningEventHeld) and held_event.absent_agencies == ["school"]
    assert not any(ref in held_event.model_dump_json() for ref in CASES) and fact.fact == "audit_held"


def test_identifying_details_are_a_sampled_reference_or_a_full_date():
    assert identifying_details("Learning from case rr-2", CASES) == ["the text names sampled case 2 by its reference"]
    assert len(identifying_details("born 2015-04-02", CASES)) == 1
    assert identifying_details("In spring 2026, three agencies …", CASES) == []
