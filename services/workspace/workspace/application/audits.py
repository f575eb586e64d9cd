"""Multi-agency case file audits from the QA sub-group's side (plan, draw the four cases, send the
audit tool) and from an agency's (its response to the tool), over the audits service's API.

Field names are the API's JSON paths (``qa_meeting_on``, ``questions.0.text``, ``answers.q3``), so
its 422 lands on the field typed in. The audits service decides everything: who may plan, what a
draw needs, and the framework's rules for a response, which it checks on submission; this module
only words its answers for the page.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..adapters.audits_api import AuditsApi
from . import cases
from .referral_form import AGENCY_OPTIONS, Field, FieldError, FormData, errors_from_api, form_to_referral

KIND_OPTIONS = (("children", "Children"), ("adults", "Adults"))
QUESTION_ROWS = 6
QUESTION_KINDS = (("open", "Open: what the records show"), ("closed", "Closed: may be answered yes or no"))

PLAN_AUDIT = (
    Field("theme", "Theme", "text", "Enter the audit's theme",
          hint="What the QA sub-group chose to audit, for example neglect in adolescence."),
    Field("kind", "Is it an audit of children's or adults' cases?", "choice", "Select children or adults",
          options=KIND_OPTIONS),
    Field("qa_meeting_on", "Date of the QA sub-group meeting it reports to", "date",
          "Enter the date of the QA sub-group meeting",
          hint="The audit is planned backward from it: it takes place 4 weeks before."),
    Field("theme_lead", "Theme lead (optional now)", "text", "", required=False,
          hint="The scope may be agreed later; give the theme lead, scope and questions together."),
    Field("scope", "Scope (optional now)", "textarea", "", required=False),
    # The audit tool: a few rows of ``questions.N.text`` and ``questions.N.kind``.
    Field("questions", "The audit tool's questions (optional now)", "questions", "", required=False,
          hint="Every agency is asked the same questions. An open question cannot be answered yes or no."),
)
SAMPLE = (
    Field("population", "The population: the partnership's case references", "lines",
          "Enter at least 4 case references to draw from, one a line",
          hint="One a line; at least 4. Four are drawn at random."),
    Field("seed", "Seed (optional)", "text", "", required=False,
          hint="A whole number, so anyone can re-run the draw. Leave it blank and one is chosen."),
    Field("exclude", "Leave out these references (optional)", "lines", "", required=False,
          hint="One a line, on top of the partnership's standing exclusions."),
)
# The send-tool form itself, where the service's refusal goes when no case needed its agencies named.
SEND_TOOL = Field("send-tool", "Send the audit tool", "agencies", "")
AUDIT_ACTION = (
    Field("description", "The action", "textarea", "Enter what is to be done"),
    Field("owning_agency", "Which agency owns it?", "choice", "Select the agency that owns the action",
          options=AGENCY_OPTIONS),
    Field("due_on", "Due date", "date", "Enter the date the action is due"),
)
IMPACT_EVIDENCE = Field(
    "impact_evidence", "Evidence of the impact of your agency's interventions", "textarea", "",
    hint="What difference your agency's work made to outcomes for the child or adult.", required=False)
# The framework's rules for a response (docs/framework.md), which the audits service checks on
# submission: shown on the form before anyone meets them as errors.
RESPONSE_RULES = (
    "Answer every question from your agency's own records only.",
    "An open question cannot be answered \u201cyes\u201d or \u201cno\u201d alone: say what the records show.",
    "Leave no question blank: if your agency holds nothing, write \u201cno information available\u201d.",
    "Give evidence of the impact of your agency's interventions on outcomes for the child or adult "
    "(\u201cno information available\u201d only when your agency holds nothing at all).",
)
RESPONSE_STATUS = {"not_started": "Not started", "draft": "Draft saved", "submitted": "Submitted"}
AUDIT_STATUS = {"planned": "Planned", "scope_agreed": "Scope agreed", "tool_sent": "Audit tool sent",
                "invitations_sent": "Invitations sent", "held": "Audit held", "findings_recorded": "Findings recorded",
                "ratified_by_partnership_group": "Ratified by the children's partnership group",
                "ratified_by_board": "Ratified by the safeguarding adults board",
                "ratified": "Ratified by the executive", "learning_published": "Learning published"}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- planning and the draw -------------------------------------------------------------------------
def plan_from_form(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's JSON for the planning form: the question rows typed in become ``questions``, each
    numbered ``q1``, ``q2``… in order; no rows typed, no scope (it may be agreed later)."""
    body, problems = form_to_referral(form, [f for f in PLAN_AUDIT if f.kind != "questions"])
    questions: list[dict[str, str]] = []
    for i in range(QUESTION_ROWS):
        text = (form.get(f"questions.{i}.text") or [""])[0].strip()
        if text:
            kind = (form.get(f"questions.{i}.kind") or ["open"])[0]
            questions.append({"id": f"q{len(questions) + 1}", "text": text, "kind": kind})
    if questions:
        body["questions"] = questions
    return body, problems


def sample_from_form(form: FormData) -> dict[str, Any]:
    body, _ = form_to_referral(form, SAMPLE)
    seed = str(body.get("seed", ""))
    if seed.isdigit():
        body["seed"] = int(seed)  # a seed that is not a number goes as typed: the API says what is wrong
    if not body.get("exclude"):
        body.pop("exclude", None)
    return body


def tool_fields(sample: Mapping[str, Any] | None) -> tuple[Field, ...]:
    """One checkbox list of agencies for each sampled case the population did not describe
    (``involved_agencies.CASE_REF``)."""
    if not sample:
        return ()
    known = sample.get("case_agencies") or {}
    return tuple(Field(f"involved_agencies.{ref}", f"Case {n}, {ref}: which agencies were involved?", "agencies",
                       "", options=AGENCY_OPTIONS, hint="Each is sent the audit tool for this case.", required=False)
                 for n, ref in enumerate(sample.get("cases") or [], start=1) if not known.get(ref))


def _sent(answer: Any, fields: Sequence[Field], problems: Mapping[str, str] | None = None,
          ok: tuple[int, ...] = (200, 201)) -> tuple[Any, list[FieldError]]:
    """The service's answer: its body when taken, else the errors on the form's fields (422) or the
    409's reason on the first field."""
    if answer.status == 422:
        return None, errors_from_api(answer.body.get("detail"), problems, fields)
    try:
        return cases.expect(answer, *ok), []
    except cases.OutOfOrder as exc:
        return None, [FieldError(fields[0].path, _capital(str(exc)), date=fields[0].kind == "date")]


async def plan_audit(api: AuditsApi, token: str, form: FormData) -> tuple[dict[str, Any] | None, list[FieldError]]:
    body, problems = plan_from_form(form)
    if problems:
        return None, errors_from_api([], problems, PLAN_AUDIT)
    return _sent(await api.plan(token, body), PLAN_AUDIT, problems)


async def draw_sample(api: AuditsApi, token: str, audit_id: str, form: FormData) -> list[FieldError]:
    _, errors = _sent(await api.sample(token, audit_id, sample_from_form(form)), SAMPLE)
    return errors


async def send_tool(api: AuditsApi, token: str, audit_id: str, sample: Mapping[str, Any] | None,
                    form: FormData) -> list[FieldError]:
    fields = tool_fields(sample)
    # Every case's agencies known from the population: nothing to ask, the form is only its button.
    body = form_to_referral(form, fields)[0] if fields else {}
    body.setdefault("involved_agencies", {})
    _, errors = _sent(await api.send_tool(token, audit_id, body), fields or (SEND_TOOL,))
    return errors


async def add_action(api: AuditsApi, token: str, audit_id: str, form: FormData) -> list[FieldError]:
    body, problems = form_to_referral(form, AUDIT_ACTION)
    if problems:
        return errors_from_api([], problems, AUDIT_ACTION)
    _, errors = _sent(await api.add_action(token, audit_id, body), AUDIT_ACTION, problems)
    return errors


@dataclass(frozen=True)
class Returns:
    """Where an audit's responses stand: every one owed, and the agencies yet to submit."""

    responses: list[dict[str, Any]]

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.responses if r["status"] == "submitted")

    @property
    def outstanding(self) -> list[str]:
        return sorted({r["agency"] for r in self.responses if r["status"] != "submitted"})


async def audit_overview(api: AuditsApi, token: str, audit_id: str) -> tuple[dict[str, Any], Returns,
                                                                               list[dict[str, Any]]]:
    """The audit with its draw, the responses owed (and outstanding) and its actions."""
    audit = dict(cases.expect(await api.audit(token, audit_id), 200))
    returns = Returns(list(cases.expect(await api.owed_responses(token, audit_id), 200))
                      if audit.get("tool_sent_on") else [])
    actions = list(cases.expect(await api.actions(token, audit_id), 200))
    return audit, returns, actions


# --- an agency's response ----------------------------------------------------------------------------
def response_fields(questions: Sequence[Mapping[str, str]]) -> tuple[Field, ...]:
    """One field per question of the audit tool (``answers.QUESTION_ID``), then the evidence of impact."""
    return tuple(Field(f"answers.{q['id']}", f"{n}. {q['text']}", "textarea", "", required=False,
                       hint="Open question: say what your records show." if q["kind"] == "open"
                       else "Closed question: yes or no, with what the records show if you can.")
                 for n, q in enumerate(questions, start=1)) + (IMPACT_EVIDENCE,)


def response_values(response: Mapping[str, Any]) -> dict[str, list[str]]:
    """The form's fields for a saved response (its draft, or what was submitted)."""
    values = {f"answers.{qid}": [str(answer)] for qid, answer in (response.get("answers") or {}).items()}
    if response.get("impact_evidence"):
        values["impact_evidence"] = [str(response["impact_evidence"])]
    return values


def response_errors(detail: Any, questions: Sequence[Mapping[str, str]]) -> list[FieldError]:
    """The audits service's 422 on a response, one error per question or field in the tool's order,
    in the service's own words but for naming a question by its number (``question 'q3'`` → "Question 3")."""
    numbers = {q["id"]: n for n, q in enumerate(questions, start=1)}
    fields = response_fields(questions)
    order = {f.path: i for i, f in enumerate(fields)}
    found: dict[str, str] = {}
    for error in detail if isinstance(detail, list) else []:
        loc = [str(p) for p in error.get("loc") or [] if str(p) != "body"]
        path = ".".join(loc[:2]) if loc[:1] == ["answers"] else "impact_evidence" if loc[:1] == [
            "impact_evidence"] else fields[0].path
        msg = re.sub(r"question '([^']+)'", lambda m: f"question {numbers.get(m.group(1), m.group(1))}",
                     str(error.get("msg", "")))
        found.setdefault(path if path in order else fields[0].path, _capital(msg))
    if isinstance(detail, str):
        found.setdefault(fields[0].path, _capital(detail))
    return [FieldError(p, m) for p, m in sorted(found.items(), key=lambda kv: order[kv[0]])]


async def send_response(api: AuditsApi, token: str, response: Mapping[str, Any], form: FormData, *,
                        submit: bool) -> list[FieldError]:
    """Save the draft or submit the response as typed: no errors when the service took it."""
    questions = response["questions"]
    body, _ = form_to_referral(form, response_fields(questions))
    body.setdefault("answers", {})
    audit_id, response_id = str(response["audit_id"]), str(response["response_id"])
    answer = await (api.submit if submit else api.save_draft)(token, audit_id, response_id, body)
    if answer.status == 422:
        return response_errors(answer.body.get("detail"), questions)
    try:
        cases.expect(answer, 200)
    except cases.OutOfOrder as exc:  # submitted already: the service says when
        return [FieldError(response_fields(questions)[0].path, _capital(str(exc)))]
    return []


@dataclass(frozen=True)
class OwedResponse:
    """A response the agency owes: by the audit session once it is set, else before the audit, which
    the scheduling service plans 4 weeks before the QA sub-group meeting."""

    response: dict[str, Any]

    @property
    def session_on(self) -> date | None:
        value = self.response.get("session_on")
        return date.fromisoformat(str(value)) if value else None

    @property
    def qa_meeting_on(self) -> date:
        return date.fromisoformat(str(self.response["qa_meeting_on"]))

    @property
    def by(self) -> date:
        return self.session_on or self.qa_meeting_on

    def overdue(self, today: date) -> bool:
        return self.session_on is not None and self.session_on < today


async def owed_by_agency(api: AuditsApi, token: str, today: date) -> list[OwedResponse]:
    """The responses the person's agency has still to submit, the soonest first."""
    listed = cases.expect(await api.owed_responses(token), 200)
    owed = [OwedResponse(dict(r)) for r in listed if r["status"] != "submitted"]
    return sorted(owed, key=lambda o: (not o.overdue(today), o.by, o.response["theme"], o.response["case_no"]))
