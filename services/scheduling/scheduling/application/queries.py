"""Read side of the scheduling service: deadlines of a case, an audit or a training completion, one
deadline with its history, what is due this week, the rows of a calendar feed, working-day sums, the
facts kept for an occasion that never opened."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from safeguard_shared import access_log
from safeguard_shared.access_log import Read
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import store
from ..adapters.orm import deadlines, occasions
from ..domain.calendar import WorkingDayCalendar
from ..domain.deadlines import OPEN_STATUSES
from .timekeeping import NotFound, owner_of


def deadline_out(row: Any) -> dict[str, Any]:
    """A deadline as the API shows it: optional fields only when they have a value."""
    item: dict[str, Any] = {
        "deadline_id": row["deadline_id"], "key": row["key"], "due": row["due"], "status": row["status"],
        "explanation": row["explanation"], "skipped": row["skipped"], "case_id": row["case_id"],
        "audit_id": row["audit_id"], "who_acts": {"agency": row["who_agency"], "role": row["who_role"]}}
    for optional in ("completion_id", "window_start", "target", "met_on", "working_days_late", "status_reason",
                     "paused_on"):
        if row[optional] is not None:
            item[optional] = row[optional]
    if row["on_time"] is not None:
        item["on_time"] = bool(row["on_time"])
    if row["agency"]:
        item["agency"] = row["agency"]
    if row["escalations"]:
        item["escalations"] = row["escalations"]
    if row["occurrence"] > 1:
        item["occurrence"] = row["occurrence"]
    return item


async def list_deadlines(uow: UnitOfWork, *, case_id: str | None = None, audit_id: str | None = None,
                         completion_id: str | None = None, agency: str | None = None,
                         open_only: bool = False) -> list[dict[str, Any]]:
    """``open_only``: the deadlines still to be met (an agency's own work list, across every case)."""
    query = select(deadlines).order_by(deadlines.c.due, deadlines.c.key, deadlines.c.agency)
    if open_only:
        query = query.where(deadlines.c.status.in_(OPEN_STATUSES))
    if case_id:
        query = query.where(deadlines.c.case_id == case_id)
    if audit_id:
        query = query.where(deadlines.c.audit_id == audit_id)
    if completion_id:
        query = query.where(deadlines.c.completion_id == completion_id)
    return [deadline_out(r) for r in await store.read(uow.session, store.for_agency(query, agency))]


async def one_deadline(uow: UnitOfWork, deadline_id: str) -> dict[str, Any]:
    """One deadline with its history: scheduled, reminders, moves, pauses, met."""
    row = await store.deadline(uow.session, deadline_id)
    if row is None:
        raise NotFound("no deadline with that deadline_id")
    out = deadline_out(row)
    out["history"] = [{"at": h["at"], "change": h["change"], "detail": h["detail"]}
                      for h in await store.history_of(uow.session, deadline_id)]
    return out


async def record_read(uow: UnitOfWork, reader: Principal, operation: str, *, case_id: str | None = None,
                      audit_id: str | None = None) -> None:
    """A read of a case's or an audit's deadlines, in the access log (a training completion's deadlines
    are not case-level data)."""
    if case_id or audit_id:
        await access_log.record(uow, reader, Read(operation, case_id=case_id, audit_id=audit_id))


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


async def due_this_week(uow: UnitOfWork, *, agency: str | None, today: date | None = None) -> dict[str, Any]:
    """Open deadlines due this week (Monday to Sunday of the business date) and everything overdue."""
    today = today or uow.clock.today()
    start, end = week_of(today)
    base = select(deadlines).where(deadlines.c.status.in_((*OPEN_STATUSES, "paused")))
    due = await store.read(uow.session, store.for_agency(base.where(
        deadlines.c.due >= start, deadlines.c.due <= end, deadlines.c.status != "overdue"), agency).order_by(
        deadlines.c.due, deadlines.c.key))
    overdue = await store.read(uow.session, store.for_agency(base.where(deadlines.c.status == "overdue"),
                                                             agency).order_by(deadlines.c.due, deadlines.c.key))
    return {"business_date": today, "week_start": start, "week_end": end,
            "due": [deadline_out(r) for r in due], "overdue": [deadline_out(r) for r in overdue]}


async def calendar_rows(uow: UnitOfWork, *, case_id: str | None = None, agency: str | None = None) -> list[Any]:
    """The deadlines a calendar feed shows (all but the waived and the closed)."""
    # With each case's reference, which the feed's titles name (never the case id).
    query = select(deadlines, occasions.c.case_ref).join(
        occasions, occasions.c.occasion == deadlines.c.occasion, isouter=True).where(
        deadlines.c.status.not_in(("waived", "closed"))).order_by(deadlines.c.due)
    if case_id:
        query = query.where(deadlines.c.case_id == case_id)
    return list(await store.read(uow.session, store.for_agency(query, agency)))


def add_working_days(calendar: WorkingDayCalendar, start: date, days: int) -> dict[str, Any]:
    result = calendar.add_working_days(start, days)
    return {"start": start, "days": days, "date": result.date,
            "skipped": [{"date": s.date, "reason": s.reason} for s in result.skipped],
            "explanation": result.explanation}


async def held_early_facts(uow: UnitOfWork, older_than: timedelta) -> dict[str, Any]:
    """The facts kept for longer than ``older_than`` because their case, audit or training completion
    has not opened here. A case.opened is redelivered within the consumer's ack wait, so a fact held
    much longer means the event that opens its occasion was lost or dead-lettered upstream, or the fact
    names an occasion that never existed: the business unit looks into each one."""
    now = uow.now()
    held = []
    for row in await store.early_facts_received_before(uow.session, now - older_than):
        kind = row["occasion"].split(":", 1)[0]
        held.append({"occasion": kind, **owner_of(row["occasion"]), "fact": row["fact"], "on": row["on"],
                     "agency": row["agency"], "received_at": row["received_at"],
                     "held_for_seconds": int((now - row["received_at"]).total_seconds())})
    return {"checked_at": now, "older_than_seconds": int(older_than.total_seconds()), "count": len(held),
            "early_facts": held}


async def open_deadline_counts(uow: UnitOfWork, statuses: tuple[str, ...]) -> list[tuple[str, str, int]]:
    """How many open deadlines each rule has in each of ``statuses``: (key, status, count)."""
    query = select(deadlines.c.key, deadlines.c.status, func.count()).where(
        deadlines.c.status.in_(statuses)).group_by(deadlines.c.key, deadlines.c.status)
    return [(key, status, int(count)) for key, status, count in (await uow.session.execute(query)).all()]
