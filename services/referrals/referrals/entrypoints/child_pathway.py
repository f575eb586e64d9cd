"""HTTP routes for the steps of the children's pathway after intake (prefix /v1/cases/{case_id})."""
from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from safeguard_shared.auth import CurrentPrincipal, require_roles
from safeguard_shared.partnership import Agency

from ..application import child_steps as steps
from ..application import queries
from ..application.commands.child import (
    AddDraft,
    AgreeTerms,
    CommissionCsprReviewers,
    DecideRapidReview,
    PublishCspr,
    RecordAttendance,
    RecordInvolvement,
    RecordMeetingHeld,
    RecordPanelResponse,
    RequestScoping,
    ReturnScoping,
    SendFinalReport,
)
from ..application.queries import DocumentPack, HistoryEntry
from ..domain.child_case import ChildCase, Draft
from .errors import answer, own_agency, runtime
from .schemas import ChildCaseProgress

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["children's pathway"])

BUSINESS_UNIT = ("business_unit",)
DECIDERS = ("business_unit", "independent_chair")
CSPR_ROLES = ("business_unit", "reviewer")
Progress = ChildCaseProgress | JSONResponse


async def _progress(step: Awaitable[ChildCase]) -> Progress:
    case = await answer(step)
    return case if isinstance(case, JSONResponse) else ChildCaseProgress.of(case)


@router.post("/panel-notification/confirm", response_model=ChildCaseProgress)
async def confirm_panel_notification(case_id: str, request: Request, principal: CurrentPrincipal) -> Progress:
    """The local authority confirms the serious incident notification, which then goes to the national Panel
    (only where the partnership holds it for confirmation)."""
    require_roles(principal, "safeguarding_lead", "business_unit")
    own_agency(principal, "local_authority", "the local authority confirms the Panel notification")
    return await _progress(steps.confirm_panel_notification(case_id, principal, runtime(request).unit_of_work()))


@router.post("/scoping", response_model=ChildCaseProgress)
async def request_scoping(case_id: str, body: RequestScoping, request: Request,
                          principal: CurrentPrincipal) -> Progress:
    """Confirm the involved agencies, send each the scoping template, letter and records-securing
    request, and set the rapid review meeting in its window (7–13 working days after receipt)."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _progress(steps.request_scoping(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/scoping-returns/{agency}", response_model=ChildCaseProgress)
async def return_scoping(case_id: str, agency: Agency, body: ReturnScoping, request: Request,
                         principal: CurrentPrincipal) -> Progress:
    """An agency returns its own scoping (or says no information is held) and confirms its records are secured."""
    require_roles(principal, "referrer", "safeguarding_lead", "business_unit")
    own_agency(principal, agency, "an agency returns only its own scoping")
    return await _progress(steps.return_scoping(case_id, agency, body, principal, runtime(request).unit_of_work()))


@router.post("/meeting/attendance", response_model=ChildCaseProgress)
async def attendance(case_id: str, body: RecordAttendance, request: Request, principal: CurrentPrincipal) -> Progress:
    """Who attends the rapid review meeting; it is quorate only with the local authority, police and ICB."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _progress(steps.record_attendance(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/meeting/held", response_model=ChildCaseProgress)
async def meeting_held(case_id: str, body: RecordMeetingHeld, request: Request,
                       principal: CurrentPrincipal) -> Progress:
    """Record the date the rapid review meeting was held."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _progress(steps.record_meeting_held(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/decision", response_model=ChildCaseProgress)
async def decision(case_id: str, body: DecideRapidReview, request: Request, principal: CurrentPrincipal) -> Progress:
    """The meeting's one decision (CSPR, alternative learning review, or no review), the immediate
    safety actions and the learning identified. Refused at an inquorate meeting."""
    require_roles(principal, *DECIDERS)
    return await _progress(steps.decide(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/panel-response", response_model=ChildCaseProgress)
async def panel_response(case_id: str, body: RecordPanelResponse, request: Request,
                         principal: CurrentPrincipal) -> Progress:
    """The national Panel's response: endorsed, challenged (with what it asked), or accepted as a completed review."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _progress(steps.record_panel_response(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/cspr/reviewers", response_model=ChildCaseProgress)
async def cspr_reviewers(case_id: str, body: CommissionCsprReviewers, request: Request,
                         principal: CurrentPrincipal) -> Progress:
    """Commission the reviewers of the child safeguarding practice review."""
    require_roles(principal, *CSPR_ROLES)
    return await _progress(steps.commission_reviewers(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/cspr/terms", response_model=ChildCaseProgress)
async def cspr_terms(case_id: str, body: AgreeTerms, request: Request, principal: CurrentPrincipal) -> Progress:
    """Agree the methodology and terms of reference (drawn from the rapid review)."""
    require_roles(principal, *CSPR_ROLES)
    return await _progress(steps.agree_terms(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/cspr/involvement", response_model=ChildCaseProgress)
async def cspr_involvement(case_id: str, body: RecordInvolvement, request: Request,
                           principal: CurrentPrincipal) -> Progress:
    """Record how practitioners and the family were involved."""
    require_roles(principal, *CSPR_ROLES)
    return await _progress(steps.record_involvement(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/cspr/draft", response_model=ChildCaseProgress)
async def cspr_draft(case_id: str, body: AddDraft, request: Request, principal: CurrentPrincipal) -> Progress:
    """Add a draft, marked 'unpublished draft — strictly confidential'."""
    require_roles(principal, *CSPR_ROLES)
    return await _progress(steps.add_draft(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/cspr/final", response_model=ChildCaseProgress)
async def cspr_final(case_id: str, body: SendFinalReport, request: Request, principal: CurrentPrincipal) -> Progress:
    """Send the final report to the Panel and the Secretary of State, with the planned publication date."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _progress(steps.send_final_report(case_id, body, principal, runtime(request).unit_of_work()))


@router.post("/cspr/publication", response_model=ChildCaseProgress)
async def cspr_publication(case_id: str, body: PublishCspr, request: Request, principal: CurrentPrincipal) -> Progress:
    """Record publication (in full, or the reasons why not) and publish the recommendations."""
    require_roles(principal, *BUSINESS_UNIT)
    return await _progress(steps.publish(case_id, body, principal, runtime(request).unit_of_work()))


@router.get("/history", response_model=list[HistoryEntry])
async def history(case_id: str, request: Request, principal: CurrentPrincipal) -> list[HistoryEntry] | JSONResponse:
    """Who did what and when on this case."""
    return await answer(queries.case_history(case_id, principal, runtime(request).unit_of_work()))


@router.get("/pack", response_model=DocumentPack)
async def document_pack(case_id: str, request: Request, principal: CurrentPrincipal) -> DocumentPack | JSONResponse:
    """The rapid review document pack (referral, local authority notification, scoping returns):
    open to the meeting's attendees, the business unit and the chair only."""
    return await answer(queries.document_pack(case_id, principal, runtime(request).unit_of_work()))


@router.get("/cspr/drafts", response_model=list[Draft])
async def drafts(case_id: str, request: Request, principal: CurrentPrincipal) -> list[Draft] | JSONResponse:
    """Drafts, each marked 'unpublished draft — strictly confidential': never for practitioners or the public."""
    return await answer(queries.cspr_drafts(case_id, principal, runtime(request).unit_of_work()))
