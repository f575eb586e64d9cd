"""The audit tool's rules for an agency's response, each on its own: an open question is not answered
"yes" or "no"; nothing is left blank — "no information available" is said explicitly; the response
gives evidence of the impact of interventions on outcomes. Every broken rule is reported at once."""
from __future__ import annotations

from audits.domain.audit_tool import check_draft, check_questions, check_submission, holds_no_information

TOOL = [{"id": "q1", "text": "What did your agency know of the child's daily life?", "kind": "open"},
        {"id": "q2", "text": "Was a strategy discussion held?", "kind": "closed"}]
EVIDENCE = "The school nurse's referral led to a dental plan; the child's pain stopped."


def types(problems) -> list[tuple]:
    return [(p.loc[-1], p.type) for p in problems]


def test_a_complete_response_breaks_no_rule():
    assert check_submission(TOOL, {"q1": "Seen weekly by the school nurse", "q2": "no"}, EVIDENCE) == []


def test_an_open_question_answered_yes_or_no_is_refused_whatever_the_spelling():
    for answer in ("yes", "No.", " YES! ", "y"):
        assert types(check_submission(TOOL, {"q1": answer, "q2": "yes"}, EVIDENCE)) == [
            ("q1", "yes_no_to_open_question")]


def test_a_closed_question_may_be_answered_yes_or_no():
    assert check_submission(TOOL, {"q1": "Seen weekly", "q2": "Yes"}, EVIDENCE) == []


def test_a_blank_answer_is_refused_and_the_message_says_to_write_no_information_available():
    [problem] = check_submission(TOOL, {"q1": "Seen weekly", "q2": "   "}, EVIDENCE)

    assert (problem.loc, problem.type) == (("body", "answers", "q2"), "blank_answer")
    assert "no information available" in problem.msg


def test_a_missing_answer_counts_as_blank():
    assert types(check_submission(TOOL, {"q1": "Seen weekly"}, EVIDENCE)) == [("q2", "blank_answer")]


def test_evidence_of_the_impact_of_interventions_is_required():
    assert types(check_submission(TOOL, {"q1": "Seen weekly", "q2": "no"}, None)) == [
        ("impact_evidence", "impact_evidence_missing")]
    assert types(check_submission(TOOL, {"q1": "Seen weekly", "q2": "no"}, "yes")) == [
        ("impact_evidence", "impact_evidence_missing")]


def test_an_agency_that_holds_nothing_says_so_for_every_question_and_for_the_evidence():
    nothing = {"q1": "No information available", "q2": "no information available."}

    assert check_submission(TOOL, nothing, "No information available") == []
    assert holds_no_information(TOOL, nothing)
    assert not holds_no_information(TOOL, {**nothing, "q2": "no"})


def test_every_broken_rule_is_reported_together_one_per_question_or_field():
    problems = check_submission(TOOL, {"q1": "no", "q7": "?"}, "")

    assert types(problems) == [("q7", "unknown_question"), ("q1", "yes_no_to_open_question"), ("q2", "blank_answer"),
                               ("impact_evidence", "impact_evidence_missing")]


def test_a_draft_may_be_incomplete_but_answers_only_the_tools_questions():
    assert check_draft(TOOL, {"q1": ""}) == []
    assert types(check_draft(TOOL, {"q3": "x"})) == [("q3", "unknown_question")]


def test_the_tool_needs_questions_with_unique_ids_text_and_a_kind():
    problems = check_questions([{"id": "q1", "text": "A?", "kind": "open"}, {"id": "q1", "text": " ", "kind": "scale"},
                                {"id": "bad id!", "text": "B?", "kind": "closed"}])

    assert [p.loc[2:] for p in problems] == [("1", "id"), ("1", "text"), ("1", "kind"), ("2", "id")]
    assert check_questions([])[0].msg == "the audit tool needs at least one question"
