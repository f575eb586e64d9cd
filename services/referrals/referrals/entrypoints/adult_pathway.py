"""HTTP routes for the steps of a safeguarding adult review (prefix /v1/cases/{case_id}/sar)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from safeguard_shared.auth import CurrentPrincipal, Principal, require_roles
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
    ScreenSar,
    SignOffSar,
    SubmitImr,
    TellFamily,
    UpdateOnDelay,
)
from ..application.commands.intake import RecordFamilyContact
from ..domain.sar_case import SarCase
from .errors import answer, own_agency, runtime
from .schemas import SarProgress

router = APIRouter(prefix="/v1/cases/{case_id}/sar", tags=["adults' pathway"])

BU = ("business_unit",)
CHAIR = ("independent_chair",)
AGENCY_ROLES = ("referrer", "safeguarding_lead", "business_unit")
Progress = SarProgress | JSONResponse
UseCase = Callable[[str, Any, Principal, UnitOfWork], Awaitable[SarCase]]


async def _progress(step: Awaitable[SarCase]) -> Progress:
    case = await answer(step)
    return case if isinstance(case, JSONResponse) else SarProgress.of(case)


def route(path: str, command: type[Command], roles: tuple[str, ...], use_case: UseCase, doc: str) -> None:
    """Declare one step: the command it reads, who may take it, and the use case that takes it."""

    async def handler(case_id: str, body: Command, request: Request, principal: CurrentPrincipal) -> Progress:
        require_roles(principal, *roles)
        return await _progress(use_case(case_id, body, principal, runtime(request).unit_of_work()))

    handler.__doc__ = doc
    handler.__name__ = f"sar_{use_case.__name__}"
    # Annotations are strings under `from __future__ import annotations`; FastAPI needs the model itself.
    handler.__annotations__.update(body=command, request=Request, principal=CurrentPrincipal, case_id=str)
    router.post(path, response_model=SarProgress)(handler)


route("/screening", ScreenSar, BU, steps.screen,
      "Screening by the business manager and the SAR panel chair; the referrer is told.")
route("/scoping", NameAgencies, CHAIR, steps.sign_off_for_scoping,
      "The independent chair signs the referral off for scoping by these agencies.")
route("/scoping-review", RecordDate, BU, steps.review_scoping,
      "The SAR rapid review panel reviewed the agencies' scoping.")
route("/decision", DecideSar, BU, steps.decide,
      "The sub-group's decision whether to convene a SAR (target 6 weeks, at the latest 8, after receipt).")
route("/agreement", RecordDate, CHAIR, steps.agree, "The independent chair agrees the SAR, which commissions it.")
route("/family-contact", RecordFamilyContact, BU, steps.record_family_contact,
      "Who the partnership writes to: the adult, a family member or an advocate.")
route("/family-notified", TellFamily, BU, steps.tell_family, "The family was told a SAR is being commissioned.")
route("/reviewers", CommissionSarReviewers, BU, steps.commission_reviewers, "Reviewers commissioned (within 3 weeks).")
route("/initial-meeting", RecordDate, BU, steps.hold_initial_meeting,
      "The initial scoping meeting of the reviewers and the SAR panel.")
route("/imr-requests", NameAgencies, BU, steps.request_imrs, "Ask agencies for individual management reviews (IMRs).")
route("/panel-meetings", HoldPanelMeeting, BU, steps.hold_panel_meeting,
      "A monthly SAR panel meeting: progress, immediate risks, learning, guidance, drafts, communications.")
route("/draft-report", RecordDate, BU, steps.present_draft, "The draft final report went to the SAR panel (5 months).")
route("/committee", RecordDate, BU, steps.present_to_committee, "Presentation to the SAR committee (5½ months).")
route("/sign-off", SignOffSar, BU, steps.sign_off,
      "The board signed the report off (6 months) and decided: full report or summary.")
route("/shared-with-family", RecordDate, BU, steps.share_with_family,
      "The report was shared with the family (2 weeks after sign-off).")
route("/publication", PublishSar, BU, steps.publish,
      "Publication (7 months), with the recommendations for action plans.")
route("/learning-event", RecordDate, BU, steps.hold_learning_event, "The learning event (9 months).")
route("/delay", DelaySar, BU, steps.delay,
      "The SAR will run past six months: the clock stops and the adult or advocate is told why, in writing.")
route("/delay/updates", UpdateOnDelay, BU, steps.update_on_delay,
      "Keep the adult or advocate updated while the SAR is delayed.")
route("/findings", RecordFindings, BU, steps.record_findings,
      "What the SAR found, what was done, and the reasons for anything not implemented (annual report).")
route("/delay/resume", ResumeSar, BU, steps.resume,
      "The delay is over: the clock restarts and its dates move by the time it stood still.")


@router.post("/scoping-returns/{agency}", response_model=SarProgress)
async def return_scoping(case_id: str, agency: Agency, body: ReturnSarScoping, request: Request,
                         principal: CurrentPrincipal) -> Progress:
    """An agency with involvement returns its own scoping information (within 20 working days)."""
    require_roles(principal, *AGENCY_ROLES)
    own_agency(principal, agency, "an agency returns only its own scoping")
    return await _progress(steps.return_scoping(case_id, agency, body, principal, runtime(request).unit_of_work()))


@router.post("/imrs/{agency}", response_model=SarProgress)
async def submit_imr(case_id: str, agency: Agency, body: SubmitImr, request: Request,
                     principal: CurrentPrincipal) -> Progress:
    """An agency's IMR, written by a manager independent of the case: chronology, review of records, interviews."""
    require_roles(principal, *AGENCY_ROLES)
    own_agency(principal, agency, "an agency submits only its own IMR")
    return await _progress(steps.submit_imr(case_id, agency, body, principal, runtime(request).unit_of_work()))
