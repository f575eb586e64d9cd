"""An agency's own work on the partnership's cases: what it must return and by when (scheduling's
deadlines for the agency), its scoping return, and the documents it shares with the case.

The scheduling service decides which deadlines an agency's staff see (only their agency's); the
referrals service decides who may return scoping (each agency its own) and who may add or read a
case's documents. The workspace only puts their answers in front of the person.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import httpx

from ..adapters.audits_api import AuditsApi
from ..adapters.referrals_api import ReferralsApi
from ..adapters.scheduling_api import SchedulingApi
from . import action_plans, cases
from .audits import OwedResponse, owed_by_agency
from .referral_form import YES_NO, Field, FieldError, errors_from_api
from .steps import Step
from .words import DOCUMENT_KINDS
from .worklist import Due, rule_names, what_is_due

# The rules whose deadline an agency meets by returning its scoping, on each pathway.
SCOPING_RULES = ("rr.scoping_returned", "sar.scoping_returned")
# What an agency shares; drafts and final reports are the review's to add (the API says so if tried).
AGENCY_KINDS = ("chronology", "scoping_return", "imr", "other")
FILE_HINT = "A PDF, Word or Excel file, or plain text, of at most 20 MB."

NO_INFORMATION_HELD = Field(
    "no_information_held", "Does your agency hold no information about them?", "bool", "",
    hint="Answer yes only if your agency has had no involvement; then you need not describe it.",
    options=YES_NO, required=False)
CHILD_SCOPING_RETURN = (
    Field("records_secured", "Have your agency's records about the child and family been secured?", "bool",
          "Select yes if your agency's records have been secured", options=YES_NO),
    NO_INFORMATION_HELD,
    Field("involvement", "Your agency's involvement with the child and family", "textarea", "",
          hint="What your agency knew and did, and when. Leave it empty only if no information is held.",
          required=False),
)
SAR_SCOPING_RETURN = (
    NO_INFORMATION_HELD,
    Field("information", "What your agency knows about the adult", "textarea", "",
          hint="Your agency's involvement, and when. Leave it empty only if no information is held.",
          required=False),
)


IMR = (
    Field("author_name", "Name of the manager who wrote it", "text", "Enter the name of the manager who wrote the IMR"),
    Field("author_role", "Their role", "text", "Enter the role of the manager who wrote the IMR"),
    Field("author_independent_of_case", "Is the manager independent of the case?", "bool",
          "Select yes if the manager is independent of the case", options=YES_NO,
          hint="An IMR is written by a manager with no part in the adult's care or its oversight."),
    Field("chronology", "Chronology", "textarea", "Enter the chronology",
          hint="Your agency's contacts with the adult, in date order."),
    Field("review_of_records", "Review of records", "textarea", "Enter the review of your agency's records"),
    Field("interviews", "Interviews", "textarea", "Enter what the interviews with staff found"),
)


def scoping_return_step(pathway: str, agency: str) -> Step:
    """The scoping return as a step: ``POST /v1/cases/{id}/scoping-returns/{agency}`` on a child's
    case, ``POST /v1/cases/{id}/sar/scoping-returns/{agency}`` on a SAR."""
    child = pathway == "child"
    return Step("scoping-return", f"scoping-returns/{agency}" if child else f"sar/scoping-returns/{agency}",
                "Return your agency's scoping", "Send the scoping return",
                ("rapid_review", "scoping"), CHILD_SCOPING_RETURN if child else SAR_SCOPING_RETURN,
                "Scoping returned", action="scoping_returned", pathway=pathway)


def imr_step(pathway: str, agency: str) -> Step:
    """The agency's individual management review on a SAR: ``POST /v1/cases/{id}/sar/imrs/{agency}``."""
    return Step("imr", f"sar/imrs/{agency}", "Send your agency's individual management review (IMR)", "Send the IMR",
                ("commissioned",), IMR, "IMR sent", action="imr_submitted", pathway=pathway)


@dataclass(frozen=True)
class AgencyDue:
    due: Due
    case_id: str
    case: dict[str, Any] | None  # None: the referrals service would not show this person the case
    scoping: bool  # met by the agency's scoping return, whose form is offered

    @property
    def case_ref(self) -> str | None:
        return str(self.case["case_ref"]) if self.case else None


async def _case(referrals: ReferralsApi, token: str, case_id: str) -> dict[str, Any] | None:
    answer = await referrals.case(token, case_id)
    return dict(answer.body) if answer.status == 200 else None


async def agency_work(referrals: ReferralsApi, scheduling: SchedulingApi, token: str, agency: str,
                      today: date) -> list[AgencyDue]:
    """What the agency must do on cases: overdue first, then soonest; each with its case's reference.
    Scheduling lists the agency's open deadlines (``GET /v1/deadlines?agency=``), as the person:
    scheduling decides what they see."""
    listed = cases.expect(await scheduling.agency_deadlines(token, agency), 200)
    names = await rule_names(scheduling, token)
    deadlines = [d for d in listed if d.get("case_id")]
    case_ids = sorted({str(d["case_id"]) for d in deadlines})
    found_cases = dict(zip(case_ids, await asyncio.gather(*(_case(referrals, token, c) for c in case_ids)),
                           strict=True))
    found: list[AgencyDue] = []
    for d in deadlines:
        (due,) = what_is_due([d], names, today) or (None,)
        if due is not None:
            case_id = str(d["case_id"])
            found.append(AgencyDue(due=due, case_id=case_id, case=found_cases[case_id],
                                   scoping=d["key"] in SCOPING_RULES))
    return sorted(found, key=lambda a: (not a.due.overdue, a.due.due, a.case_ref or ""))


async def cases_with_work(referrals: ReferralsApi, scheduling: SchedulingApi, token: str, agency: str,
                          today: date, q: str) -> list[dict[str, Any]]:
    """The cases the agency has work on whose reference contains ``q``: an involved agency's way to a
    case its search does not find (that search lists only its own referrals), as an e-mail's link
    (``/cases?q=CASE_REF``) needs."""
    items = await agency_work(referrals, scheduling, token, agency, today)
    cases_found = {i.case_id: i.case for i in items if i.case and q.upper() in str(i.case["case_ref"]).upper()}
    return [c for c in cases_found.values() if c is not None]


def chosen_file(upload: Any) -> Any | None:
    """The uploaded file, or None when the file field was left empty (browsers send an empty part)."""
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", None):
        return None
    return upload


async def add_document(referrals: ReferralsApi, token: str, case_id: str, kind: str, filename: str,
                       content: IO[bytes], media_type: str | None) -> list[FieldError]:
    """Pass the file on to the referrals service; its refusal (type, size, kind) lands on the field."""
    answer = await referrals.add_document(token, case_id, kind, filename, content, media_type)
    if answer.status == 201:
        return []
    if answer.status in (413, 415):
        detail = answer.body.get("detail") if isinstance(answer.body, dict) else None
        text = detail if isinstance(detail, str) else _first_message(detail) or "The file was not accepted"
        return [FieldError("file", text[:1].upper() + text[1:])]
    if answer.status == 422:
        return errors_from_api(answer.body.get("detail"), {}, (DOCUMENT_FILE, DOCUMENT_KIND))
    cases.expect(answer, 201)
    return []


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return str(detail[0].get("msg") or "")
    return None


DOCUMENT_FILE = Field("file", "The file", "file", "Choose a file to upload", hint=FILE_HINT)
DOCUMENT_KIND = Field("kind", "What is it?", "choice", "Select what the document is",
                      options=tuple((k, DOCUMENT_KINDS[k]) for k in AGENCY_KINDS))


def documents_shown(answer: Any) -> list[dict[str, Any]] | None:
    """The documents list, or None when the service does not let this person see them."""
    if answer.status == 200:
        return list(answer.body)
    if answer.status in (403, 404):
        return None
    cases.expect(answer, 200)
    return None



@dataclass(frozen=True)
class AuditWork:
    """The agency's part in audits and action plans: the audit responses it has still to submit and the
    actions it owns that are not complete, each overdue first."""

    responses: list[OwedResponse]
    actions: list[dict[str, Any]]


async def audit_work(audits: AuditsApi, token: str, today: date) -> AuditWork | None:
    """From the audits service, as the person; None when it does not answer (the page says so and still
    shows the cases' deadlines) or refuses this person's role."""
    try:
        return AuditWork(await owed_by_agency(audits, token, today),
                         await action_plans.open_actions(audits, token, today))
    except (httpx.HTTPError, cases.NotPermitted, cases.NotFound):
        return None
