"""HTTP routes for the steps of the children's pathway after intake (prefix /v1/cases/{case_id})."""
from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import insert, select

from safeguard_shared.auth import AGENCIES, CurrentPrincipal, Principal, require_roles

from .. import pathway
from ..adapters.orm import case_history, case_reads, cases
from ..domain.child_case import ChildCase, OutOfOrder, RuleBroken

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["children's pathway"])

BUSINESS_UNIT = ("business_unit",)
DECIDERS = ("business_unit", "independent_chair")
CASE_DETAIL_ROLES = {"business_unit", "panel_member", "independent_chair", "admin"}
DRAFT_ROLES = {"business_unit", "reviewer", "panel_member", "independent_chair", "admin"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _agency(value: str) -> str:
    if value not in AGENCIES:
        raise ValueError(f"unknown agency '{value}'")
    return value


class ScopingIn(Strict):
    involved_agencies: list[str] = Field(min_length=1, description="the agencies confirmed as involved")
    meeting_on: date
    outside_window_reason: str | None = Field(default=None, max_length=2000)

    @field_validator("involved_agencies")
    @classmethod
    def _known(cls, values: list[str]) -> list[str]:
        return [_agency(v) for v in values]


class ScopingReturnIn(Strict):
    records_secured: bool
    no_information_held: bool = False
    involvement: str | None = Field(default=None, max_length=20000)


class Attendee(Strict):
    agency: str
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)

    _a = field_validator("agency")(classmethod(lambda cls, v: _agency(v)))


class AttendanceIn(Strict):
    attendees: list[Attendee] = Field(min_length=1)


class MeetingHeldIn(Strict):
    held_on: date


class DecisionIn(Strict):
    decision: Literal["cspr", "alternative_review", "no_review"]
    immediate_safety_actions: list[str] = []
    learning: list[str] = []
    rationale: str = Field(min_length=1, max_length=20000)


class PanelResponseIn(Strict):
    response: Literal["endorsed", "challenged", "accepted_as_completed_review"]
    details: str | None = Field(default=None, max_length=20000)
    received_on: date


class ReviewersIn(Strict):
    reviewers: list[str] = Field(min_length=1)


class TermsIn(Strict):
    methodology: str = Field(min_length=1)
    terms_of_reference: str = Field(min_length=1)


class InvolvementIn(Strict):
    practitioners: str = Field(min_length=1, description="how practitioners were involved")
    family: str = Field(min_length=1, description="how the family was involved, or why not")


class DraftIn(Strict):
    text: str = Field(min_length=1, max_length=500_000)


class FinalIn(Strict):
    planned_publication_on: date


class RecommendationIn(Strict):
    text: str = Field(min_length=1, max_length=5000)
    owning_agency: str

    _a = field_validator("owning_agency")(classmethod(lambda cls, v: _agency(v)))


class PublishIn(Strict):
    published_on: date
    in_full: bool
    reasons_not_in_full: str | None = None
    recommendations: list[RecommendationIn] = []


async def _step(request: Request, principal: Principal, case_id: str, action: str, fn, detail=None):
    try:
        case = await pathway.run_step(request.app.state.runtime, principal, case_id, action, fn, detail)
    except pathway.CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except OutOfOrder as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except RuleBroken as exc:
        return JSONResponse({"detail": [{"loc": exc.loc, "msg": exc.msg, "type": "value_error"}]},
                            status_code=422)
    return _summary(case)


def _summary(case: ChildCase) -> dict:
    return {"case_id": case.case_id, "case_ref": case.case_ref, "stage": case.stage,
            "meeting_on": case.meeting_on, "meeting_window": list(case.meeting_window) if case.meeting_window else None,
            "scoping_returned_by": sorted(case.scoping_returns), "quorate": case.quorate if case.attendance else None,
            "missing_partners": case.missing_partners if case.attendance else None,
            "decision": case.decision["decision"] if case.decision else None,
            "panel_response": case.panel_response["response"] if case.panel_response else None}


@router.post("/panel-notification/confirm")
async def confirm_panel_notification(case_id: str, request: Request, principal: CurrentPrincipal):
    """The local authority confirms the serious incident notification, which then goes to the national Panel
    (only where the partnership holds it for confirmation)."""
    require_roles(principal, "safeguarding_lead", "business_unit")
    if not principal.has_any({"business_unit", "admin"}) and principal.agency != "local_authority":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the local authority confirms the Panel notification")
    return await _step(request, principal, case_id, "panel_notification_confirmed",
                       lambda c, today: c.confirm_panel_notification(today=today))


@router.post("/scoping")
async def request_scoping(case_id: str, body: ScopingIn, request: Request, principal: CurrentPrincipal):
    """Confirm the involved agencies, send each the scoping template, letter and records-securing
    request, and set the rapid review meeting in its window (7–13 working days after receipt)."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _step(request, principal, case_id, "scoping_requested", lambda c, today: c.request_scoping(
        agencies=body.involved_agencies, meeting_on=body.meeting_on, today=today,
        outside_window_reason=body.outside_window_reason),
        {"agencies": body.involved_agencies, "meeting_on": body.meeting_on.isoformat(),
         "outside_window_reason": body.outside_window_reason})


@router.post("/scoping-returns/{agency}")
async def return_scoping(case_id: str, agency: str, body: ScopingReturnIn, request: Request,
                         principal: CurrentPrincipal):
    """An agency returns its own scoping (or says no information is held) and confirms its records are secured."""
    require_roles(principal, "referrer", "safeguarding_lead", "business_unit")
    if agency not in AGENCIES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["path", "agency"], "msg": f"unknown agency '{agency}'", "type": "value_error"}])
    if not principal.has_any({"business_unit", "admin"}) and principal.agency != agency:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an agency returns only its own scoping")
    return await _step(request, principal, case_id, "scoping_returned", lambda c, today: c.return_scoping(
        agency=agency, returned_on=today, records_secured=body.records_secured,
        no_information_held=body.no_information_held, involvement=body.involvement),
        {"agency": agency, "records_secured": body.records_secured, "no_information_held": body.no_information_held})


@router.post("/meeting/attendance")
async def attendance(case_id: str, body: AttendanceIn, request: Request, principal: CurrentPrincipal):
    """Who attends the rapid review meeting; it is quorate only with the local authority, police and ICB."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _step(request, principal, case_id, "attendance_recorded",
                       lambda c, today: c.record_attendance(attendees=[a.model_dump() for a in body.attendees]),
                       {"agencies": sorted({a.agency for a in body.attendees})})


@router.post("/meeting/held")
async def meeting_held(case_id: str, body: MeetingHeldIn, request: Request, principal: CurrentPrincipal):
    """Record the date the rapid review meeting was held."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _step(request, principal, case_id, "meeting_held",
                       lambda c, today: c.hold_meeting(held_on=body.held_on, today=today),
                       {"held_on": body.held_on.isoformat()})


@router.post("/decision")
async def decision(case_id: str, body: DecisionIn, request: Request, principal: CurrentPrincipal):
    """The meeting's one decision (CSPR, alternative learning review, or no review), the immediate
    safety actions and the learning identified. Refused at an inquorate meeting."""
    require_roles(principal, *DECIDERS)
    return await _step(request, principal, case_id, "rapid_review_decided", lambda c, today: c.decide(
        decision=body.decision, safety_actions=body.immediate_safety_actions, learning=body.learning,
        rationale=body.rationale, today=today), {"decision": body.decision})


@router.post("/panel-response")
async def panel_response(case_id: str, body: PanelResponseIn, request: Request, principal: CurrentPrincipal):
    """The national Panel's response: endorsed, challenged (with what it asked), or accepted as a completed review."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _step(request, principal, case_id, "panel_responded", lambda c, today: c.record_panel_response(
        response=body.response, details=body.details, received_on=body.received_on), {"response": body.response})


def _cspr_route(step: str, model: type[BaseModel], doc: str):
    async def handler(case_id: str, body: model, request: Request, principal: CurrentPrincipal):  # type: ignore[valid-type]
        require_roles(principal, "business_unit", "reviewer")
        return await _step(request, principal, case_id, f"cspr_{step}",
                           lambda c, today: c.cspr_step(step, body.model_dump(), today), {"step": step})

    handler.__doc__ = doc
    handler.__name__ = f"cspr_{step}"
    # Annotations are strings under `from __future__ import annotations`; FastAPI needs the model itself.
    handler.__annotations__.update(body=model, request=Request, principal=CurrentPrincipal, case_id=str)
    router.post(f"/cspr/{step}")(handler)


_cspr_route("reviewers", ReviewersIn, "Commission the reviewers of the child safeguarding practice review.")
_cspr_route("terms", TermsIn, "Agree the methodology and terms of reference (drawn from the rapid review).")
_cspr_route("involvement", InvolvementIn, "Record how practitioners and the family were involved.")
_cspr_route("draft", DraftIn, "Add a draft, marked 'unpublished draft — strictly confidential'.")


@router.post("/cspr/final")
async def cspr_final(case_id: str, body: FinalIn, request: Request, principal: CurrentPrincipal):
    """Send the final report to the Panel and the Secretary of State, with the planned publication date."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _step(request, principal, case_id, "final_report_sent", lambda c, today: c.send_final_report(
        planned_publication_on=body.planned_publication_on, today=today),
        {"planned_publication_on": body.planned_publication_on.isoformat()})


@router.post("/cspr/publication")
async def cspr_publication(case_id: str, body: PublishIn, request: Request, principal: CurrentPrincipal):
    """Record publication (in full, or the reasons why not) and publish the recommendations."""
    require_roles(principal, *BUSINESS_UNIT)
    recommendations = [{"recommendation_id": pathway.new_recommendation_id(), **r.model_dump()}
                       for r in body.recommendations]
    return await _step(request, principal, case_id, "published", lambda c, today: c.publish(
        published_on=body.published_on, in_full=body.in_full, reasons_not_in_full=body.reasons_not_in_full,
        recommendations=recommendations, today=today),
        {"published_on": body.published_on.isoformat(), "in_full": body.in_full})


async def _case_row(request: Request, case_id: str):
    async with request.app.state.runtime.sessions() as session:
        row = (await session.execute(select(cases).where(cases.c.case_id == case_id))).mappings().first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no case with that case_id")
    return row


async def _record_read(request: Request, principal: Principal, case_id: str) -> None:
    runtime = request.app.state.runtime
    async with runtime.sessions() as session, session.begin():
        await session.execute(insert(case_reads).values(
            read_id=pathway.new_recommendation_id(), case_id=case_id, subject=principal.subject,
            agency=principal.agency, read_at=runtime.clock.now()))


@router.get("/history")
async def history(case_id: str, request: Request, principal: CurrentPrincipal):
    """Who did what and when on this case."""
    row = await _case_row(request, case_id)
    if not principal.has_any(CASE_DETAIL_ROLES) and principal.agency != row["referring_agency"]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the case history is for the business unit, panels, chairs "
                                                       "and the referring agency")
    async with request.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(case_history).where(case_history.c.case_id == case_id).order_by(
            case_history.c.id))).mappings().all()
    return [{"at": r["at"], "actor": r["actor"], "agency": r["agency"], "action": r["action"], "detail": r["detail"]}
            for r in rows]


@router.get("/pack")
async def document_pack(case_id: str, request: Request, principal: CurrentPrincipal):
    """The rapid review document pack (referral, local authority notification, scoping returns):
    open to the meeting's attendees, the business unit and the chair only."""
    row = await _case_row(request, case_id)
    case = ChildCase.from_state(row["state"])
    attending = {a["agency"] for a in case.attendance}
    if not (principal.has_any({"business_unit", "independent_chair", "admin"})
            or (principal.agency in attending and principal.has_any({"panel_member", "referrer", "safeguarding_lead"}))):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the document pack is open to the meeting's attendees only")
    await _record_read(request, principal, case_id)
    return {"case_ref": case.case_ref, "referral": row["referral"],
            "local_authority_notification": {"became_aware_on": case.became_aware_on, "rapid_review": case.rapid_review},
            "scoping_returns": case.scoping_returns, "meeting_on": case.meeting_on}


@router.get("/cspr/drafts")
async def drafts(case_id: str, request: Request, principal: CurrentPrincipal):
    """Drafts, each marked 'unpublished draft — strictly confidential': never for practitioners or the public."""
    if not principal.has_any(DRAFT_ROLES):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "drafts are for the business unit, the reviewers and the panel")
    row = await _case_row(request, case_id)
    await _record_read(request, principal, case_id)
    return ChildCase.from_state(row["state"]).cspr.get("drafts", [])
