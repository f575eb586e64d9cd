"""HTTP routes of the scheduling service (prefix /v1): parse, authorise, call a use case or a query,
map its errors."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import Response

from safeguard_shared.auth import CurrentPrincipal, Principal, require_roles
from safeguard_shared.params import IdFilter
from safeguard_shared.partnership import Agency
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.types import BusinessDate
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import ics
from ..application import commands, queries, subscriptions
from ..application.meetings import meetings_for
from ..application.timekeeping import Conflict, NotFound, Timekeeping
from .schemas import (
    DeadlineOut,
    DeadlineWithHistory,
    EarlyFactsOut,
    NewSubscriptionOut,
    OptionalReason,
    Reason,
    RuleOut,
    RulesOut,
    SubscribeIn,
    SubscriptionOut,
    ThisWeekOut,
    WorkingDaysOut,
)

router = APIRouter(prefix="/v1", tags=["scheduling"])

SEE_ALL_ROLES = {"business_unit", "panel_member", "independent_chair", "qa_lead", "admin", "reviewer"}
CHANGE_ROLES = ("business_unit",)
OPERATIONS_ROLES = ("business_unit", "admin")
MAX_DAYS = 2000  # about eight years of working days: anything larger is a typo, not a timescale


class CalendarResponse(Response):
    """An iCalendar (RFC 5545) feed."""

    media_type = "text/calendar"


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _timekeeping(request: Request) -> Timekeeping:
    tk: Timekeeping = request.app.state.timekeeping
    return tk


def _agency_scope(principal: Principal) -> str | None:
    # Agency staff see only the deadlines their own agency must meet.
    return None if principal.has_any(SEE_ALL_ROLES) else principal.agency


def _only_own(scope: str | None, agency: str) -> None:
    if scope is not None and scope != agency:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "agencies see only their own deadlines")


@router.get("/deadlines", response_model=list[DeadlineOut], response_model_exclude_unset=True)
async def deadlines(request: Request, principal: CurrentPrincipal, case_id: IdFilter = None,
                    audit_id: IdFilter = None, completion_id: IdFilter = None,
                    agency: Agency | None = None) -> list[dict[str, Any]]:
    """Deadlines of one case, one audit or one training completion, each with its due date and how
    it was counted; or (``agency`` alone) every open deadline an agency must meet, on every case."""
    if not case_id and not audit_id and not completion_id and not agency:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [
            {"loc": ["query", "case_id"], "msg": "give case_id, audit_id, completion_id or agency",
             "type": "value_error"}])
    scope = _agency_scope(principal)
    if agency is not None:
        _only_own(scope, agency)
    async with _runtime(request).unit_of_work() as uow:
        await queries.record_read(uow, principal, "deadlines", case_id=case_id, audit_id=audit_id)
        return await queries.list_deadlines(uow, case_id=case_id, audit_id=audit_id, completion_id=completion_id,
                                            agency=agency or scope, open_only=agency is not None and not (
                                                case_id or audit_id or completion_id))


@router.get("/deadlines/this-week", response_model=ThisWeekOut, response_model_exclude_unset=True)
async def this_week(request: Request, principal: CurrentPrincipal, agency: Agency | None = None) -> dict[str, Any]:
    """What is due this week (Monday–Sunday of the business date) and what is overdue now."""
    scope = _agency_scope(principal)
    if agency is not None:
        _only_own(scope, agency)
        scope = agency
    async with _runtime(request).unit_of_work() as uow:
        return await queries.due_this_week(uow, agency=scope)


async def _one(request: Request, deadline_id: str, reader: Principal | None = None) -> dict[str, Any]:
    """The deadline; for a ``reader``, only one they may see, and the read recorded."""
    try:
        async with _runtime(request).unit_of_work() as uow:
            item = await queries.one_deadline(uow, deadline_id)
            if reader is not None:
                scope = _agency_scope(reader)
                if scope is not None and scope not in (item.get("agency"), item["who_acts"]["agency"]):
                    raise HTTPException(status.HTTP_403_FORBIDDEN, "agencies see only their own deadlines")
                await queries.record_read(uow, reader, "deadline", case_id=item["case_id"],
                                          audit_id=item["audit_id"])
            return item
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@router.get("/deadlines/{deadline_id}", response_model=DeadlineWithHistory, response_model_exclude_unset=True)
async def one_deadline(deadline_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """One deadline with its history: scheduled, reminders, moves, pauses, met."""
    return await _one(request, deadline_id, principal)


async def _command(request: Request, principal: Principal, deadline_id: str,
                   run: Callable[[UnitOfWork, Timekeeping], Awaitable[None]]) -> dict[str, Any]:
    require_roles(principal, *CHANGE_ROLES)
    try:
        async with _runtime(request).unit_of_work() as uow:
            await run(uow, _timekeeping(request))
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return await _one(request, deadline_id)


@router.post("/deadlines/{deadline_id}/pause", response_model=DeadlineWithHistory, response_model_exclude_unset=True)
async def pause(deadline_id: str, body: Reason, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """Stop the clock (e.g. parallel court proceedings); the reason is required."""
    command = commands.PauseDeadline(deadline_id, reason=body.reason, by=principal.subject)
    return await _command(request, principal, deadline_id, lambda uow, tk: commands.pause(command, uow, tk))


@router.post("/deadlines/{deadline_id}/resume", response_model=DeadlineWithHistory,
             response_model_exclude_unset=True)
async def resume(deadline_id: str, body: OptionalReason, request: Request,
                 principal: CurrentPrincipal) -> dict[str, Any]:
    """Restart the clock; the due date moves by the working days it stood still."""
    command = commands.ResumeDeadline(deadline_id, by=principal.subject, reason=body.reason)
    return await _command(request, principal, deadline_id, lambda uow, tk: commands.resume(command, uow, tk))


@router.post("/deadlines/{deadline_id}/waive", response_model=DeadlineWithHistory, response_model_exclude_unset=True)
async def waive(deadline_id: str, body: Reason, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """Waive a deadline, with the reason and who decided."""
    command = commands.WaiveDeadline(deadline_id, reason=body.reason, by=principal.subject)
    return await _command(request, principal, deadline_id, lambda uow, tk: commands.waive(command, uow, tk))


def _rule_out(r: Any) -> dict[str, Any]:
    return {"key": r.key, "what": r.what, "source": list(r.source), "anchor": r.anchor, "offset": r.offset.describe(),
            "window_from": r.window_from.describe() if r.window_from else None,
            "target": r.target.describe() if r.target else None, "per_agency": r.per_agency,
            "met_by": r.met_by[0] if len(r.met_by) == 1 else list(r.met_by),
            "who_acts": {"agency": r.who_acts.agency, "role": r.who_acts.role}, "enabled": r.enabled,
            "locally_changed": sorted(r.locally_changed), "note": r.note}


@router.get("/rules", response_model=RulesOut)
async def rules(request: Request, _principal: CurrentPrincipal) -> dict[str, Any]:
    """The effective timescale rules, after the partnership's local changes."""
    book = _timekeeping(request).rules
    return {"version": book.version, "rules": [_rule_out(r) for r in book.all(include_disabled=True)]}


@router.get("/rules/{key}", response_model=RuleOut)
async def rule(key: str, request: Request, _principal: CurrentPrincipal) -> dict[str, Any]:
    """One timescale rule."""
    try:
        return _rule_out(_timekeeping(request).rules.get(key))
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc).strip('"')) from None


@router.get("/calendar/add-working-days", response_model=WorkingDaysOut)
async def add_working_days(request: Request, _principal: CurrentPrincipal, start: BusinessDate,
                           days: int = Query(ge=-MAX_DAYS, le=MAX_DAYS)) -> dict[str, Any]:
    """The N-th working day strictly after ``start`` (England and Wales bank holidays and local closures skipped)."""
    return queries.add_working_days(_timekeeping(request).calendar, start, days)


@router.get("/calendar/cases/{case_id}.ics", response_class=CalendarResponse)
async def case_feed(case_id: str, request: Request, principal: CurrentPrincipal) -> CalendarResponse:
    """iCalendar feed of one case's deadlines and meeting window."""
    async with _runtime(request).unit_of_work() as uow:
        await queries.record_read(uow, principal, "case calendar feed", case_id=case_id)
        rows = await queries.calendar_rows(uow, case_id=case_id, agency=_agency_scope(principal))
        meetings = await meetings_for(uow, case_id=case_id, agency=_agency_scope(principal))
    return CalendarResponse(ics.feed(rows, "Safeguarding case deadlines", _timekeeping(request).rules, meetings))


@router.get("/calendar/agencies/{agency}.ics", response_class=CalendarResponse)
async def agency_feed(agency: Agency, request: Request, principal: CurrentPrincipal) -> CalendarResponse:
    """iCalendar feed of every deadline an agency must meet."""
    _only_own(_agency_scope(principal), agency)
    async with _runtime(request).unit_of_work() as uow:
        rows = await queries.calendar_rows(uow, agency=agency)
        meetings = await meetings_for(uow, agency=agency)
    return CalendarResponse(ics.feed(rows, f"Safeguarding deadlines: {agency.replace('_', ' ')}",
                                     _timekeeping(request).rules, meetings))


@router.post("/calendar/subscriptions", response_model=NewSubscriptionOut, status_code=status.HTTP_201_CREATED)
async def subscribe(body: SubscribeIn, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """A calendar address of your own, for Outlook or Google Calendar (which cannot send a token):
    one case's deadlines, or every deadline you may see. The address is shown this once; revoke it
    when it is no longer needed."""
    secret, made = await subscriptions.subscribe(_runtime(request).unit_of_work(), principal,
                                                 case_id=body.case_id, agency_scope=_agency_scope(principal))
    return {**made, "url": str(request.url_for("subscribed_feed", secret=secret))}


@router.get("/calendar/subscriptions", response_model=list[SubscriptionOut])
async def list_subscriptions(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Your calendar addresses (the business unit and admins: everyone's), never their secrets."""
    return await subscriptions.mine(_runtime(request).unit_of_work(), principal)


@router.delete("/calendar/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_subscription(subscription_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Revoke a calendar address: it stops answering at once. Its owner, the business unit or an admin."""
    try:
        await subscriptions.revoke(_runtime(request).unit_of_work(), principal, subscription_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except subscriptions.NotYours as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/calendar/feeds/{secret}.ics", response_class=CalendarResponse, name="subscribed_feed")
async def subscribed_feed(secret: Annotated[str, Path(max_length=100)], request: Request) -> CalendarResponse:
    """A person's calendar, by their secret address (no token: calendar programs cannot send one)."""
    try:
        made, rows, meetings = await subscriptions.feed_rows(_runtime(request).unit_of_work(), secret)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    title = "Safeguarding case deadlines" if made["case_id"] else "Safeguarding deadlines"
    return CalendarResponse(ics.feed(rows, title, _timekeeping(request).rules, meetings))


OlderThan = Annotated[timedelta, Query(
    description="how long a fact has been kept, as an ISO 8601 duration (PT1H, P2D); default one hour",
    ge=timedelta(0), le=timedelta(days=3650))]


@router.get("/early-facts", response_model=EarlyFactsOut, response_model_exclude_unset=True)
async def early_facts(request: Request, principal: CurrentPrincipal,
                      older_than: OlderThan = timedelta(hours=1)) -> dict[str, Any]:
    """Facts kept for longer than ``older_than`` because the case, audit or training completion they are
    about never opened here (the event that opens it lost or set aside upstream): each is a clock that
    would otherwise wait for ever. The business unit (or an admin) looks into them."""
    require_roles(principal, *OPERATIONS_ROLES)
    async with _runtime(request).unit_of_work() as uow:
        return await queries.held_early_facts(uow, older_than)
