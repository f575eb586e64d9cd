"""GET /v1/cases?q=CASE_REF: find cases by the partnership's case reference."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request, status

from safeguard_shared.auth import CurrentPrincipal

from ..adapters.case_search import cases_matching, record_reads

router = APIRouter(prefix="/v1", tags=["referrals"])

# Who may see any case (as for GET /v1/cases/{case_id}); an agency's referrer or safeguarding lead
# finds only the cases its own agency referred.
CASE_DETAIL_ROLES = {"business_unit", "panel_member", "independent_chair", "admin"}
OWN_AGENCY_ROLES = {"referrer", "safeguarding_lead"}


@router.get("/cases")
async def find_cases(principal: CurrentPrincipal, request: Request,
                     q: str = Query(min_length=1, max_length=40, description="the case reference, or part of it"),
                     ) -> list[dict]:
    """Cases whose reference contains ``q``: any case for the business unit, panels and chairs; an
    agency's own referrals for its referrers and safeguarding lead. Each case listed is a recorded read."""
    if principal.has_any(CASE_DETAIL_ROLES):
        agency = None
    elif principal.has_any(OWN_AGENCY_ROLES):
        agency = principal.agency
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "finding cases is for the business unit, panel members, the "
                            "independent chair, and an agency's referrers and safeguarding lead (their own referrals)")
    runtime = request.app.state.runtime
    async with runtime.sessions() as session, session.begin():
        found = await cases_matching(session, q.strip(), agency=agency)
        await record_reads(session, [c["case_id"] for c in found], subject=principal.subject,
                           agency=principal.agency, at=runtime.clock.now())
    return found
