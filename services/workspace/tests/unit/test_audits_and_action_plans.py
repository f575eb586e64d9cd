"""Audits and action plans on the page and in the audits API's JSON: the planning form's question rows,
the draw's population, the agencies to send the tool to, a response's errors worded from the API's own
messages and linked to their questions, and actions ordered overdue first."""
from __future__ import annotations

from datetime import date

from workspace.adapters.referrals_api import ApiAnswer
from workspace.application.action_plans import is_overdue, overdue_first
from workspace.application.audits import (
    OwedResponse,
    plan_from_form,
    response_errors,
    response_fields,
    response_values,
    sample_from_form,
    send_tool,
    tool_fields,
)
from workspace.application.referral_form import form_to_referral

QUESTIONS = [{"id": "q1", "text": "What do the records show?", "kind": "open"},
             {"id": "q2", "text": "Was the child seen alone?", "kind": "closed"},
             {"id": "q3", "text": "What was shared, and with whom?", "kind": "open"}]
TODAY = date(2026, 12, 21)


def test_the_planning_forms_question_rows_become_the_audit_tool_numbered_in_order():
    body, problems = plan_from_form({
        "theme": ["Neglect"], "kind": ["children"], "qa_meeting_on-day": ["1"], "qa_meeting_on-month": ["3"],
        "qa_meeting_on-year": ["2027"], "theme_lead": ["Sam"], "scope": ["Teenagers"],
        "questions.0.text": ["What do the records show?"], "questions.0.kind": ["open"],
        "questions.1.text": [" "], "questions.1.kind": ["closed"],
        "questions.2.text": ["Was the child seen alone?"], "questions.2.kind": ["closed"]})
    assert problems == {}
    assert body == {"theme": "Neglect", "kind": "children", "qa_meeting_on": "2027-03-01", "theme_lead": "Sam",
                    "scope": "Teenagers", "questions": [
                        {"id": "q1", "text": "What do the records show?", "kind": "open"},
                        {"id": "q2", "text": "Was the child seen alone?", "kind": "closed"}]}


def test_a_plan_without_its_scope_sends_no_questions_so_the_scope_may_be_agreed_later():
    body, _ = plan_from_form({"theme": ["Neglect"], "kind": ["adults"], "qa_meeting_on": ["2027-03-01"],
                              "questions.0.kind": ["open"]})
    assert body == {"theme": "Neglect", "kind": "adults", "qa_meeting_on": "2027-03-01"}


def test_the_population_is_one_reference_a_line_and_the_seed_a_number():
    assert sample_from_form({"population": ["A-1\r\n A-2 \n\nA-3\nA-4"], "seed": ["42"], "exclude": [""]}) == {
        "population": ["A-1", "A-2", "A-3", "A-4"], "seed": 42}
    assert sample_from_form({"population": ["A-1"], "seed": ["forty"]})["seed"] == "forty", "the API says why"


def test_the_tool_asks_for_the_agencies_of_each_case_the_population_did_not_describe():
    sample = {"cases": ["A-1", "A-2"], "case_agencies": {"A-1": ["police"]}}
    [only] = tool_fields(sample)
    assert only.path == "involved_agencies.A-2" and only.label.startswith("Case 2, A-2")
    body, _ = form_to_referral({"involved_agencies.A-2": ["police", "icb"]}, tool_fields(sample))
    assert body == {"involved_agencies": {"A-2": ["police", "icb"]}}
    assert tool_fields(None) == ()


def test_a_refused_response_names_each_question_by_its_number_in_the_apis_own_words():
    detail = [
        {"loc": ["body", "impact_evidence"], "msg": "give the evidence of the impact of your agency's interventions",
         "type": "impact_evidence_missing"},
        {"loc": ["body", "answers", "q3"], "msg": "question 'q3' is an open question: it cannot be answered "
                                                   "'yes' or 'no' alone; say what the records show",
         "type": "yes_no_to_open_question"},
        {"loc": ["body", "answers", "q1"], "msg": "question 'q1' is blank: answer it from your agency's records, "
                                                   "or say 'no information available'", "type": "blank_answer"}]
    errors = response_errors(detail, QUESTIONS)
    assert [e.anchor for e in errors] == ["answers.q1", "answers.q3", "impact_evidence"], "in the form's order"
    assert errors[0].message.startswith("Question 1 is blank: answer it from your agency's records")
    assert errors[1].message == ("Question 3 is an open question: it cannot be answered 'yes' or 'no' alone; "
                                 "say what the records show")
    assert errors[2].message.startswith("Give the evidence of the impact")


def test_a_response_round_trips_between_its_json_and_its_form():
    saved = {"answers": {"q1": "Seen weekly", "q3": "Shared with the school"}, "impact_evidence": "Attendance up"}
    values = response_values(saved)
    body, _ = form_to_referral(values, response_fields(QUESTIONS))
    assert body == {"answers": {"q1": "Seen weekly", "q3": "Shared with the school"},
                    "impact_evidence": "Attendance up"}
    assert [f.path for f in response_fields(QUESTIONS)] == ["answers.q1", "answers.q2", "answers.q3",
                                                            "impact_evidence"]


def action(action_id: str, due_on: str | None, status: str = "open", overdue: bool = False) -> dict:
    return {"action_id": action_id, "due_on": due_on, "status": status, "overdue": overdue, "owning_agency": "police"}


def test_actions_come_overdue_first_then_by_due_date_and_completed_ones_last():
    listed = [action("later", "2027-02-01"), action("done", "2026-11-01", status="completed"),
              action("no-date", None, status="proposed"), action("soon", "2026-12-30"),
              action("flagged", "2026-12-21", overdue=True), action("past", "2026-12-18")]
    assert [a["action_id"] for a in overdue_first(listed, TODAY)] == [
        "past", "flagged", "soon", "later", "no-date", "done"]
    assert is_overdue(action("past", "2026-12-20"), TODAY), "its due day has ended"
    assert not is_overdue(action("today", "2026-12-21"), TODAY), "due today is not overdue yet"
    assert not is_overdue(action("done", "2026-11-01", status="completed"), TODAY)


def test_an_owed_response_is_due_by_the_audit_session_once_it_is_set():
    planned = OwedResponse({"qa_meeting_on": "2027-03-01", "session_on": None})
    invited = OwedResponse({"qa_meeting_on": "2027-03-01", "session_on": "2027-02-01"})
    assert planned.by == date(2027, 3, 1) and not planned.overdue(date(2027, 3, 2))
    assert invited.by == date(2027, 2, 1) and invited.overdue(date(2027, 2, 2))


async def test_when_the_population_named_every_cases_agencies_the_tool_is_sent_with_none_to_add():
    """Nothing to ask (a CSV population named the agencies): an empty map is sent, and a refusal lands on
    the form itself."""
    class Audits:
        sent: dict | None = None

        async def send_tool(self, token: str, audit_id: str, body: dict) -> ApiAnswer:
            self.sent = body
            return ApiAnswer(409, {"detail": "the audit tool already went to the agencies on 2026-12-21"})

    audits = Audits()
    errors = await send_tool(audits, "token", "a1", {"cases": ["A-1"], "case_agencies": {"A-1": ["police"]}}, {})
    assert audits.sent == {"involved_agencies": {}}
    assert [(e.anchor, e.message) for e in errors] == [
        ("send-tool", "The audit tool already went to the agencies on 2026-12-21")]
