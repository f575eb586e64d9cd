"""HTTP routes for the steps of a safeguarding adult review (prefix /v1/cases/{case_id}/sar)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from safeguard_shared.auth import CurrentPrincipal, Principal
from safeguard_shared.partnership import Agency
from safeguard_shared.unit_of_work import UnitOfWork

from ..application import adult_steps as steps
from ..application.commands import Command
from ..application.commands.adult import (
    CommissionSarReviewers,
    DecideSar,
    DelaySar,
    HoldPanelMeeting,
    NameAgencies,
    PublishSar,
    RecordDate,
    RecordFindings,
    ResumeSar,
    ReturnSarScoping,
    ReviewSarDecision,
    ScreenSar,
    SignOffSar,
    SubmitImr,
    TellFamily,
    UpdateOnDelay,
)
from ..application.commands.intake import RecordFamilyContact
from ..domain.access import STEP_ACTIONS
from ..domain.sar_case import SarCase
from .errors import own_agency, runtime
from .schemas import SarProgress
from .steps import case_action, declare_step, progress

router = APIRouter(prefix="/v1/cases/{case_id}/sar", tags=["adults' pathway"])



def route(path: str, command: type[Command], use_case: Callable[[str, Any, Principal, UnitOfWork], Awaitable[SarCase]],
          action: str, doc: str, name: str | None = None) -> None:
    # The route is named after the step's action (as before), which keeps the OpenAPI operation ids.
    declare_step(router, path, command, action, use_case, SarProgress.of, SarProgress, doc,
                 name=f"sar_{name or action}")


route("/screening", ScreenSar, steps.screen, "sar_screened",
      """Screening by the business manager and the SAR panel chair; the referrer is told. A referral that
    meets the Care Act s44 mandatory criteria is screened out only by the independent chair, with
    `mandatory_override_reason`.""")
route("/scoping", NameAgencies, steps.sign_off_for_scoping, "signed_off_for_scoping",
      "The independent chair signs the referral off for scoping by these agencies.")
route("/scoping-review", RecordDate, steps.review_scoping, "scoping_reviewed",
      "The SAR rapid review panel reviewed the agencies' scoping.")
route("/decision", DecideSar, steps.decide, "sar_decided",
      """The sub-group's decision whether to convene a SAR (target 6 weeks, at the latest 8, after receipt),
    with the other steps when it is not to: a recommendation the independent chair reviews.""")
route("/decision/confirmation", ReviewSarDecision, steps.review_decision, "sar_decision_confirmed",
      """The independent chair confirms or overturns the sub-group's decision. Not convening is final here
    and the referrer is told; a SAR to convene is final when the chair agrees it (`agreement`).""",
      name="sar_decision_reviewed")
route("/agreement", RecordDate, steps.agree, "sar_agreed",
      "The independent chair agrees the SAR, which commissions it and makes the decision final.")
route("/family-contact", RecordFamilyContact, steps.record_family_contact, "family_contact_recorded",
      "Who the partnership writes to: the adult, a family member or an advocate.")
route("/family-notified", TellFamily, steps.tell_family, "family_notified",
      "The family was told a SAR is being commissioned.")
route("/reviewers", CommissionSarReviewers, steps.commission_reviewers, "reviewers_commissioned",
      "Reviewers commissioned (within 3 weeks).")
route("/initial-meeting", RecordDate, steps.hold_initial_meeting, "initial_meeting_held",
      "The initial scoping meeting of the reviewers and the SAR panel.")
route("/imr-requests", NameAgencies, steps.request_imrs, "imrs_requested",
      "Ask agencies for individual management reviews (IMRs).")
route("/panel-meetings", HoldPanelMeeting, steps.hold_panel_meeting, "panel_meeting_held",
      "A monthly SAR panel meeting: progress, immediate risks, learning, guidance, drafts, communications.")
route("/draft-report", RecordDate, steps.present_draft, "draft_report_presented",
      "The draft final report went to the SAR panel (5 months).")
route("/committee", RecordDate, steps.present_to_committee, "committee_presentation_held",
      "Presentation to the SAR committee (5½ months).")
route("/sign-off", SignOffSar, steps.sign_off, "signed_off",
      "The board signed the report off (6 months) and decided: full report or summary.")
route("/shared-with-family", RecordDate, steps.share_with_family, "report_shared_with_family",
      "The report was shared with the family (2 weeks after sign-off).")
route("/publication", PublishSar, steps.publish, "sar_published",
      "Publication (7 months), with the recommendations for action plans.")
route("/learning-event", RecordDate, steps.hold_learning_event, "learning_event_held",
      "The learning event (9 months).")
route("/delay", DelaySar, steps.delay, "sar_delayed",
      "The SAR will run past six months: the clock stops and the adult or advocate is told why, in writing.")
route("/delay/updates", UpdateOnDelay, steps.update_on_delay, "delay_update_sent",
      "Keep the adult or advocate updated while the SAR is delayed.")
route("/findings", RecordFindings, steps.record_findings, "findings_recorded",
      "What the SAR found, what was done, and the reasons for anything not implemented (annual report).")
route("/delay/resume", ResumeSar, steps.resume, "sar_resumed",
      "The delay is over: the clock restarts and its dates move by the time it stood still.")


@router.post("/scoping-returns/{agency}", response_model=SarProgress,
             openapi_extra=case_action(STEP_ACTIONS["scoping_returned"]))
async def return_scoping(case_id: str, agency: Agency, body: ReturnSarScoping, request: Request,
                         principal: CurrentPrincipal) -> SarProgress | JSONResponse:
    """An agency with involvement returns its own scoping information (within 20 working days)."""
    own_agency(principal, agency, "an agency returns only its own scoping")
    uow = runtime(request).unit_of_work()
    return await progress(steps.return_scoping(case_id, agency, body, principal, uow), SarProgress.of)


@router.post("/imrs/{agency}", response_model=SarProgress, openapi_extra=case_action(STEP_ACTIONS["imr_submitted"]))
async def submit_imr(case_id: str, agency: Agency, body: SubmitImr, request: Request,
                     principal: CurrentPrincipal) -> SarProgress | JSONResponse:
    """An agency's IMR, written by a manager independent of the case: chronology, review of records, interviews."""
    own_agency(principal, agency, "an agency submits only its own IMR")
    uow = runtime(request).unit_of_work()
    return await progress(steps.submit_imr(case_id, agency, body, principal, uow), SarProgress.of)
