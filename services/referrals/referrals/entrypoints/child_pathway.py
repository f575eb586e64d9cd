"""HTTP routes for the steps of the children's pathway after intake (prefix /v1/cases/{case_id})."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from safeguard_shared.auth import CurrentPrincipal, Principal
from safeguard_shared.partnership import Agency
from safeguard_shared.unit_of_work import UnitOfWork

from ..application import child_steps as steps
from ..application import queries
from ..application.commands import Command
from ..application.commands.child import (
    AddDraft,
    AgreeTerms,
    CommissionCsprReviewers,
    DecideRapidReview,
    PublishCspr,
    RebookMeeting,
    RecordAttendance,
    RecordInvolvement,
    RecordMeetingHeld,
    RecordPanelResponse,
    RequestScoping,
    ReturnScoping,
    SendFinalReport,
)
from ..application.queries import DocumentPack, HistoryEntry
from ..domain.access import STEP_ACTIONS
from ..domain.child_case import ChildCase, Draft
from .errors import answer, own_agency, runtime
from .schemas import ChildCaseProgress
from .steps import case_action, declare_step, progress

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["children's pathway"])



def route(path: str, command: type[Command], step: str,
          use_case: Callable[[str, Any, Principal, UnitOfWork], Awaitable[ChildCase]], doc: str, name: str) -> None:
    declare_step(router, path, command, step, use_case, ChildCaseProgress.of, ChildCaseProgress, doc, name)


@router.post("/panel-notification/confirm", response_model=ChildCaseProgress,
             openapi_extra=case_action(STEP_ACTIONS["panel_notification_confirmed"]))
async def confirm_panel_notification(case_id: str, request: Request,
                                     principal: CurrentPrincipal) -> ChildCaseProgress | JSONResponse:
    """The local authority confirms the serious incident notification, which then goes to the national Panel
    (only where the partnership holds it for confirmation)."""
    uow = runtime(request).unit_of_work()
    return await progress(steps.confirm_panel_notification(case_id, principal, uow), ChildCaseProgress.of)


route("/scoping", RequestScoping, "scoping_requested", steps.request_scoping,
      """Confirm the involved agencies, send each the scoping template, letter and records-securing
    request, and set the rapid review meeting in its window (7–13 working days after receipt).""", "request_scoping")


@router.post("/scoping-returns/{agency}", response_model=ChildCaseProgress,
             openapi_extra=case_action(STEP_ACTIONS["scoping_returned"]))
async def return_scoping(case_id: str, agency: Agency, body: ReturnScoping, request: Request,
                         principal: CurrentPrincipal) -> ChildCaseProgress | JSONResponse:
    """An agency returns its own scoping (or says no information is held) and confirms its records are secured."""
    own_agency(principal, agency, "an agency returns only its own scoping")
    uow = runtime(request).unit_of_work()
    return await progress(steps.return_scoping(case_id, agency, body, principal, uow), ChildCaseProgress.of)


route("/meeting", RebookMeeting, "meeting_rebooked", steps.rebook_meeting,
      """Move the rapid review meeting (date, time or place) before it is held: the agencies asked for
    scoping are invited again, to the same calendar event.""", "rebook_meeting")
route("/meeting/attendance", RecordAttendance, "attendance_recorded", steps.record_attendance,
      "Who attends the rapid review meeting; it is quorate only with the local authority, police and ICB.",
      "attendance")
route("/meeting/held", RecordMeetingHeld, "meeting_held", steps.record_meeting_held,
      "Record the date the rapid review meeting was held.", "meeting_held")
route("/decision", DecideRapidReview, "rapid_review_decided", steps.decide,
      """The meeting's one decision (CSPR, alternative learning review, or no review), the immediate
    safety actions and the learning identified. Refused at an inquorate meeting.""", "decision")
route("/panel-response", RecordPanelResponse, "panel_responded", steps.record_panel_response,
      "The national Panel's response: endorsed, challenged (with what it asked), or accepted as a completed review.",
      "panel_response")
route("/cspr/reviewers", CommissionCsprReviewers, "cspr_reviewers", steps.commission_reviewers,
      "Commission the reviewers of the child safeguarding practice review.", "cspr_reviewers")
route("/cspr/terms", AgreeTerms, "cspr_terms", steps.agree_terms,
      "Agree the methodology and terms of reference (drawn from the rapid review).", "cspr_terms")
route("/cspr/involvement", RecordInvolvement, "cspr_involvement", steps.record_involvement,
      "Record how practitioners and the family were involved.", "cspr_involvement")
route("/cspr/draft", AddDraft, "cspr_draft", steps.add_draft,
      "Add a draft, marked 'unpublished draft — strictly confidential'.", "cspr_draft")
route("/cspr/final", SendFinalReport, "final_report_sent", steps.send_final_report,
      "Send the final report to the Panel and the Secretary of State, with the planned publication date.",
      "cspr_final")
route("/cspr/publication", PublishCspr, "published", steps.publish,
      "Record publication (in full, or the reasons why not) and publish the recommendations.", "cspr_publication")


@router.get("/history", response_model=list[HistoryEntry], openapi_extra=case_action("see_progress"))
async def history(case_id: str, request: Request, principal: CurrentPrincipal) -> list[HistoryEntry] | JSONResponse:
    """Who did what and when on this case: free text only for those who may see the case's detail."""
    return await answer(queries.case_history(case_id, principal, runtime(request).unit_of_work()))


@router.get("/pack", response_model=DocumentPack, openapi_extra=case_action("see_pack"))
async def document_pack(case_id: str, request: Request, principal: CurrentPrincipal) -> DocumentPack | JSONResponse:
    """The rapid review document pack (referral, local authority notification, scoping returns):
    open to the meeting's attendees, the business unit and the chair only."""
    return await answer(queries.document_pack(case_id, principal, runtime(request).unit_of_work()))


@router.get("/cspr/drafts", response_model=list[Draft], openapi_extra=case_action("see_drafts"))
async def drafts(case_id: str, request: Request, principal: CurrentPrincipal) -> list[Draft] | JSONResponse:
    """Drafts, each marked 'unpublished draft — strictly confidential': never for practitioners or the public."""
    return await answer(queries.cspr_drafts(case_id, principal, runtime(request).unit_of_work()))
