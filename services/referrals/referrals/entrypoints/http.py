"""HTTP routes of the referrals service (prefix /v1)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse

from safeguard_shared.auth import CurrentPrincipal, require_roles

from .. import handlers
from .schemas import AdultReferralIn, ChildReferralIn

router = APIRouter(prefix="/v1", tags=["referrals"])

REFERRING_ROLES = ("referrer", "safeguarding_lead", "business_unit")


@router.post("/referrals/child", status_code=status.HTTP_201_CREATED)
async def refer_child(referral: ChildReferralIn, principal: CurrentPrincipal, request: Request):
    """Refer a serious incident concerning a child (agreed by the referring organisation's safeguarding lead)."""
    require_roles(principal, *REFERRING_ROLES)
    try:
        return await handlers.open_child_case(request.app.state.runtime, principal, referral)
    except ExceptionGroup as group:
        return JSONResponse({"detail": [{"loc": p.loc, "msg": p.msg, "type": "value_error"}
                                        for p in group.exceptions]}, status_code=422)
    except handlers.NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None


async def _adult(request: Request, principal, referral: AdultReferralIn, resubmission_of: str | None):
    require_roles(principal, *REFERRING_ROLES)
    try:
        return await handlers.open_adult_case(request.app.state.runtime, principal, referral, resubmission_of)
    except ExceptionGroup as group:
        return JSONResponse({"detail": [{"loc": p.loc, "msg": p.msg, "type": "value_error"}
                                        for p in group.exceptions]}, status_code=422)
    except handlers.NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except handlers.CaseMissing as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except handlers.OutOfOrderIntake as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post("/referrals/adult", status_code=status.HTTP_201_CREATED)
async def refer_adult(referral: AdultReferralIn, principal: CurrentPrincipal, request: Request):
    """Request a safeguarding adult review. A well-formed but incomplete referral is recorded as
    ``returned`` with the reasons (and the referrer told); it is not an HTTP error."""
    return await _adult(request, principal, referral, None)


@router.post("/referrals/adult/{case_id}/resubmission", status_code=status.HTTP_201_CREATED)
async def resubmit_adult(case_id: str, referral: AdultReferralIn, principal: CurrentPrincipal, request: Request):
    """Resubmit a returned SAR referral, complete this time."""
    return await _adult(request, principal, referral, case_id)


@router.get("/cases/{case_id}")
async def get_case(case_id: str, principal: CurrentPrincipal, request: Request):
    """One case: full detail for the business unit, panels and chairs; progress only for the referring agency."""
    try:
        case = await handlers.read_case(request.app.state.runtime, principal, case_id)
    except handlers.NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no case with that case_id")
    return case
