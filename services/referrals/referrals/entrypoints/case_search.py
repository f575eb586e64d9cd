"""GET /v1/cases?q=CASE_REF: find cases by the partnership's case reference."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from safeguard_shared.auth import CurrentPrincipal

from ..application.case_search import CaseFound, find_cases
from .errors import answer, runtime

router = APIRouter(prefix="/v1", tags=["referrals"])


@router.get("/cases", response_model=list[CaseFound])
async def search_cases(principal: CurrentPrincipal, request: Request,
                       q: str = Query(min_length=1, max_length=40, description="the case reference, or part of it"),
                       ) -> list[CaseFound] | JSONResponse:
    """Cases whose reference contains ``q``: any case for the business unit, the chair and admins; an
    agency's own referrals for its referrers, safeguarding lead and panel members. Each case listed is a
    recorded read."""
    return await answer(find_cases(q, principal, runtime(request).unit_of_work()))
