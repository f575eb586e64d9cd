"""HTTP routes of the intake and the case (prefix /v1)."""
from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse

from safeguard_shared.auth import CurrentPrincipal, require_roles

from ..application import intake, queries
from ..application.commands.intake import ReferAdult, ReferChild
from ..application.intake import AdultReferralOutcome, ChildReferralAccepted
from ..application.queries import CaseView
from ..config import ReferralsSettings
from .errors import answer, runtime
from .steps import case_action

router = APIRouter(prefix="/v1", tags=["referrals"])

REFERRING_ROLES = ("referrer", "safeguarding_lead", "business_unit")

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200,
    description="Send the same key again (from the same agency) to get the same case rather than a second one")]
ALREADY_RECEIVED: dict[int | str, dict[str, Any]] = {200: {
    "description": "Like a referral already received: that case, with `duplicate_of` and a `message`; "
                   "no second case is opened"}}
T = TypeVar("T")


def _with_status(response: Response, answered: tuple[int, T] | JSONResponse) -> T | JSONResponse:
    if isinstance(answered, JSONResponse):
        return answered
    response.status_code, body = answered
    return body


@router.post("/referrals/child", status_code=status.HTTP_201_CREATED, response_model=ChildReferralAccepted,
             response_model_exclude_unset=True, responses=ALREADY_RECEIVED)
async def refer_child(referral: ReferChild, principal: CurrentPrincipal, request: Request, response: Response,
                      idempotency_key: IdempotencyKey = None) -> ChildReferralAccepted | JSONResponse:
    """Refer a serious incident concerning a child (agreed by the referring organisation's safeguarding lead)."""
    require_roles(principal, *REFERRING_ROLES)
    service = runtime(request)
    settings = service.settings
    awaits = isinstance(settings, ReferralsSettings) and settings.panel_notice_awaits_la_confirmation
    return _with_status(response, await answer(intake.open_child_case(
        referral, principal, service.unit_of_work(), panel_notice_awaits_confirmation=awaits,
        idempotency_key=idempotency_key)))


@router.post("/referrals/adult", status_code=status.HTTP_201_CREATED, response_model=AdultReferralOutcome,
             response_model_exclude_unset=True, responses=ALREADY_RECEIVED)
async def refer_adult(referral: ReferAdult, principal: CurrentPrincipal, request: Request, response: Response,
                      idempotency_key: IdempotencyKey = None) -> AdultReferralOutcome | JSONResponse:
    """Request a safeguarding adult review. A well-formed but incomplete referral is recorded as
    ``returned`` with the reasons (and the referrer told); it is not an HTTP error."""
    require_roles(principal, *REFERRING_ROLES)
    return _with_status(response, await answer(intake.open_adult_case(
        referral, principal, runtime(request).unit_of_work(), idempotency_key=idempotency_key)))


@router.post("/referrals/adult/{case_id}/resubmission", status_code=status.HTTP_201_CREATED,
             response_model=AdultReferralOutcome, response_model_exclude_unset=True,
             openapi_extra=case_action("resubmit"))
async def resubmit_adult(case_id: str, referral: ReferAdult, principal: CurrentPrincipal, request: Request,
                         response: Response) -> AdultReferralOutcome | JSONResponse:
    """Resubmit a returned SAR referral, complete this time (by the agency that made it)."""
    return _with_status(response, await answer(intake.open_adult_case(
        referral, principal, runtime(request).unit_of_work(), case_id)))


@router.get("/cases/{case_id}", response_model=CaseView, response_model_exclude_unset=True,
            openapi_extra=case_action("see_progress"))
async def get_case(case_id: str, principal: CurrentPrincipal, request: Request) -> CaseView | JSONResponse:
    """One case: its progress for the agencies it involves; the referral's identifying details for the
    business unit, the chair, the review's panel members and its commissioned reviewers."""
    return await answer(queries.read_case(case_id, principal, runtime(request).unit_of_work()))
