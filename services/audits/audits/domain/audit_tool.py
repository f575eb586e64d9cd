"""The audit tool and the agencies' responses to it. No I/O.

The same questions go to every involved agency, answered from that agency's own records. A response
is saved as a draft as often as the agency likes, and submitted once, complete. A submission that
breaks the framework's rules is refused with every broken rule listed, one per question or field:
an open question cannot be answered "yes" or "no"; no question may be left blank — an agency that
holds nothing says "no information available"; the response gives evidence of the impact of the
interventions on outcomes for the child or adult.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypedDict

from .errors import Problem


class Question(TypedDict):
    """One question of the audit tool: an open question wants what the records show, not yes or no."""

    id: str
    text: str
    kind: str  # open | closed

NO_INFORMATION = "no information available"
QUESTION_KINDS = ("open", "closed")
_YES_NO = {"yes", "no", "y", "n"}
_QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def _plain(text: str) -> str:
    return re.sub(r"[\s.!,;:]+", " ", text).strip().lower()


def is_yes_no(text: str) -> bool:
    return _plain(text) in _YES_NO


def says_no_information(text: str) -> bool:
    return _plain(text) in (NO_INFORMATION, "no information held")


def check_questions(questions: Sequence[Mapping[str, str]],
                    loc: tuple[str, ...] = ("body", "questions")) -> list[Problem]:
    """The audit tool: at least one question, each with a unique id, its text and its kind."""
    problems: list[Problem] = []
    if not questions:
        problems.append(Problem(loc, "the audit tool needs at least one question"))
    seen: set[str] = set()
    for n, q in enumerate(questions):
        qid = q.get("id", "")
        where = loc + (str(n),)
        if not _QUESTION_ID.match(qid or ""):
            problems.append(Problem(where + ("id",), "a question id is 1–40 letters, digits, '_', '-' or '.'"))
        elif qid in seen:
            problems.append(Problem(where + ("id",), f"question id {qid!r} is used twice"))
        seen.add(qid)
        if not (q.get("text") or "").strip():
            problems.append(Problem(where + ("text",), f"question {qid!r} has no text"))
        if q.get("kind") not in QUESTION_KINDS:
            problems.append(Problem(where + ("kind",), "a question's kind is 'open' or 'closed'"))
    return problems


def check_draft(questions: Sequence[Question], answers: dict[str, str]) -> list[Problem]:
    """A draft may be incomplete, but it answers only the tool's questions."""
    known = {q["id"] for q in questions}
    return [Problem(("body", "answers", qid), f"the audit tool has no question {qid!r}", "unknown_question")
            for qid in answers if qid not in known]


def check_submission(questions: Sequence[Question], answers: dict[str, str],
                     impact_evidence: str | None) -> list[Problem]:
    """Every broken rule of a response, one problem per question or field (empty when it may be submitted)."""
    problems = check_draft(questions, answers)
    for q in questions:
        qid, answer = q["id"], (answers.get(q["id"]) or "").strip()
        where = ("body", "answers", qid)
        if not answer:
            problems.append(Problem(where, f"question {qid!r} is blank: answer it from your agency's records, "
                                           f"or say '{NO_INFORMATION}'", "blank_answer"))
        elif q["kind"] == "open" and is_yes_no(answer):
            problems.append(Problem(where, f"question {qid!r} is an open question: it cannot be answered "
                                           "'yes' or 'no' alone; say what the records show", "yes_no_to_open_question"))
    nothing_held = bool(questions) and all(says_no_information(answers.get(q["id"]) or "") for q in questions)
    evidence = (impact_evidence or "").strip()
    if not evidence:
        problems.append(Problem(("body", "impact_evidence"),
                                "give the evidence of the impact of your agency's interventions on outcomes for "
                                f"the child or adult (or '{NO_INFORMATION}' if your agency holds nothing)",
                                "impact_evidence_missing"))
    elif is_yes_no(evidence) or (says_no_information(evidence) and not nothing_held):
        problems.append(Problem(("body", "impact_evidence"),
                                "the evidence of impact must say what difference the interventions made to "
                                "outcomes; 'yes', 'no' or 'no information available' is not enough when your "
                                "agency answered from its records", "impact_evidence_missing"))
    return problems


def holds_no_information(questions: Sequence[Question], answers: dict[str, str]) -> bool:
    return bool(questions) and all(says_no_information(answers.get(q["id"]) or "") for q in questions)
