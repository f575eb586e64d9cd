"""HTTP routes of the scheduling service (prefix /v1)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from safeguard_shared.auth import AGENCIES, CurrentPrincipal, Principal, require_roles

from .. import handlers, queries
from ..adapters import ics

router = APIRouter(prefix="/v1", tags=["scheduling"])

SEE_ALL_ROLES = {"business_unit", "panel_member", "independent_chair", "qa_lead", "admin", "reviewer"}
CHANGE_ROLES = ("business_unit",)
MAX_DAYS = 2000  # about eight years of working days: anything larger is a typo, not a timescale


def _agency_scope(principal: Principal) -> str | None:
    # Agency staff see only the deadlines their own agency must meet.
    return None if principal.has_any(SEE_ALL_ROLES) else principal.agency


def _problem(loc: list[str], msg: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{"loc": loc, "msg": msg, "type": "value_error"}])


@router.get("/deadlines")
async def deadlines(request: Request, principal: CurrentPrincipal, case_id: str | None = None,
                    audit_id: str | None = None):
    """Deadlines of one case or one audit, each with its due date and how it was counted."""
    if not case_id and not audit_id:
        raise _problem(["query", "case_id"], "give case_id or audit_id")
    return await queries.list_deadlines(request.app.state.runtime, case_id=case_id, audit_id=audit_id,
                                        agency=_agency_scope(principal))


@router.get("/deadlines/this-week")
async def this_week(request: Request, principal: CurrentPrincipal, agency: str | None = None):
    """What is due this week (Monday–Sunday of the business date) and what is overdue now."""
    scope = _agency_scope(principal)
    if agency is not None:
        if agency not in AGENCIES:
            raise _problem(["query", "agency"], f"unknown agency '{agency}'")
        if scope is not None and agency != scope:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "agencies see only their own deadlines")
        scope = agency
    return await queries.due_this_week(request.app.state.runtime, agency=scope)


@router.get("/deadlines/{deadline_id}")
async def one_deadline(deadline_id: str, request: Request, principal: CurrentPrincipal):
    """One deadline with its history: scheduled, reminders, moves, pauses, met."""
    try:
        item = await request.app.state.scheduler.one(deadline_id)
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    scope = _agency_scope(principal)
    if scope is not None and scope not in (item.get("agency"), item["who_acts"]["agency"]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "agencies see only their own deadlines")
    return item


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=3, max_length=2000, description="why, in words the board will read")


class OptionalReason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str | None = Field(default=None, max_length=2000)


async def _command(request: Request, principal: Principal, action: str, deadline_id: str, **kwargs):
    require_roles(principal, *CHANGE_ROLES)
    scheduler = request.app.state.scheduler
    try:
        return await getattr(scheduler, action)(deadline_id, by=principal.subject, **kwargs)
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except handlers.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post("/deadlines/{deadline_id}/pause")
async def pause(deadline_id: str, body: Reason, request: Request, principal: CurrentPrincipal):
    """Stop the clock (e.g. parallel court proceedings); the reason is required."""
    return await _command(request, principal, "pause", deadline_id, reason=body.reason)


@router.post("/deadlines/{deadline_id}/resume")
async def resume(deadline_id: str, body: OptionalReason, request: Request, principal: CurrentPrincipal):
    """Restart the clock; the due date moves by the working days it stood still."""
    return await _command(request, principal, "resume", deadline_id, reason=body.reason)


@router.post("/deadlines/{deadline_id}/waive")
async def waive(deadline_id: str, body: Reason, request: Request, principal: CurrentPrincipal):
    """Waive a deadline, with the reason and who decided."""
    return await _command(request, principal, "waive", deadline_id, reason=body.reason)


@router.get("/rules")
async def rules(request: Request, _principal: CurrentPrincipal):
    """The effective timescale rules, after the partnership's local changes."""
    book = request.app.state.rules
    return {"version": book.version, "rules": [_rule_out(r) for r in book.all(include_disabled=True)]}


@router.get("/rules/{key}")
async def rule(key: str, request: Request, _principal: CurrentPrincipal):
    """One timescale rule."""
    try:
        return _rule_out(request.app.state.rules.get(key))
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc).strip('"')) from None


def _rule_out(r) -> dict:
    return {"key": r.key, "what": r.what, "source": list(r.source), "anchor": r.anchor, "offset": r.offset.describe(),
            "window_from": r.window_from.describe() if r.window_from else None,
            "target": r.target.describe() if r.target else None, "per_agency": r.per_agency, "met_by": r.met_by,
            "who_acts": {"agency": r.who_acts.agency, "role": r.who_acts.role}, "enabled": r.enabled,
            "locally_changed": sorted(r.locally_changed), "note": r.note}


@router.get("/calendar/add-working-days")
async def add_working_days(request: Request, _principal: CurrentPrincipal, start: date,
                           days: int = Query(ge=-MAX_DAYS, le=MAX_DAYS)):
    """The N-th working day strictly after ``start`` (England and Wales bank holidays and local closures skipped)."""
    return handlers.add_working_days(request.app.state.calendar, start, days)


@router.get("/calendar/cases/{case_id}.ics")
async def case_feed(case_id: str, request: Request, principal: CurrentPrincipal):
    """iCalendar feed of one case's deadlines and meeting window."""
    rows = await queries.calendar_rows(request.app.state.runtime, case_id=case_id, agency=_agency_scope(principal))
    return Response(ics.feed(rows, "Safeguarding case deadlines", request.app.state.rules),
                    media_type="text/calendar")


@router.get("/calendar/agencies/{agency}.ics")
async def agency_feed(agency: str, request: Request, principal: CurrentPrincipal):
    """iCalendar feed of every deadline an agency must meet."""
    if agency not in AGENCIES:
        raise _problem(["path", "agency"], f"unknown agency '{agency}'")
    scope = _agency_scope(principal)
    if scope is not None and scope != agency:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "agencies see only their own deadlines")
    rows = await queries.calendar_rows(request.app.state.runtime, agency=agency)
    return Response(ics.feed(rows, f"Safeguarding deadlines: {agency.replace('_', ' ')}", request.app.state.rules),
                    media_type="text/calendar")
