"""HTTP routes of the scheduling service (prefix /v1)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request, status

from safeguard_shared.auth import CurrentPrincipal

from .. import handlers

router = APIRouter(prefix="/v1", tags=["scheduling"])

SEE_ALL_ROLES = {"business_unit", "panel_member", "independent_chair", "qa_lead", "admin", "reviewer"}
MAX_DAYS = 2000  # about eight years of working days: anything larger is a typo, not a timescale


@router.get("/deadlines")
async def deadlines(request: Request, principal: CurrentPrincipal, case_id: str | None = None,
                    audit_id: str | None = None):
    """Deadlines of one case or one audit, each with its due date and the explanation of how it was counted."""
    if not case_id and not audit_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            [{"loc": ["query", "case_id"], "msg": "give case_id or audit_id", "type": "missing"}])
    # Agency staff see only the deadlines their own agency must meet.
    agency = None if principal.has_any(SEE_ALL_ROLES) else principal.agency
    return await handlers.list_deadlines(request.app.state.runtime, case_id=case_id, audit_id=audit_id,
                                         agency=agency)


@router.get("/calendar/add-working-days")
async def add_working_days(request: Request, _principal: CurrentPrincipal, start: date,
                           days: int = Query(ge=-MAX_DAYS, le=MAX_DAYS)):
    """The N-th working day strictly after ``start`` (England and Wales bank holidays and local closures skipped)."""
    return handlers.add_working_days(request.app.state.calendar, start, days)
