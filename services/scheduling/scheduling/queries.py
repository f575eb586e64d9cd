"""Read side of the scheduling service: deadlines of a case or audit, what is due this week."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select

from safeguard_shared.service import ServiceRuntime

from .adapters.orm import deadlines
from .domain.deadlines import OPEN_STATUSES


def deadline_out(row) -> dict:
    item = {"deadline_id": row["deadline_id"], "key": row["key"], "due": row["due"], "status": row["status"],
            "explanation": row["explanation"], "skipped": row["skipped"], "case_id": row["case_id"],
            "audit_id": row["audit_id"], "who_acts": {"agency": row["who_agency"], "role": row["who_role"]}}
    for optional in ("window_start", "target", "met_on", "working_days_late", "status_reason", "paused_on"):
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


def _for_agency(query, agency: str | None):
    """Agency staff see the deadlines their own agency must meet, nothing else."""
    if agency is None:
        return query
    return query.where(or_(deadlines.c.agency == agency, deadlines.c.who_agency == agency))


async def list_deadlines(runtime: ServiceRuntime, *, case_id: str | None, audit_id: str | None,
                         agency: str | None) -> list[dict]:
    query = select(deadlines).order_by(deadlines.c.due, deadlines.c.key, deadlines.c.agency)
    if case_id:
        query = query.where(deadlines.c.case_id == case_id)
    if audit_id:
        query = query.where(deadlines.c.audit_id == audit_id)
    async with runtime.sessions() as session:
        rows = (await session.execute(_for_agency(query, agency))).mappings().all()
    return [deadline_out(r) for r in rows]


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


async def due_this_week(runtime: ServiceRuntime, *, agency: str | None, today: date | None = None) -> dict:
    """Open deadlines due this week (Monday to Sunday of the business date) and everything overdue."""
    today = today or runtime.clock.today()
    start, end = week_of(today)
    base = select(deadlines).where(deadlines.c.status.in_(OPEN_STATUSES + ("paused",)))
    async with runtime.sessions() as session:
        due = (await session.execute(_for_agency(base.where(
            deadlines.c.due >= start, deadlines.c.due <= end, deadlines.c.status != "overdue"), agency).order_by(
            deadlines.c.due, deadlines.c.key))).mappings().all()
        overdue = (await session.execute(_for_agency(base.where(deadlines.c.status == "overdue"), agency).order_by(
            deadlines.c.due, deadlines.c.key))).mappings().all()
    return {"business_date": today, "week_start": start, "week_end": end,
            "due": [deadline_out(r) for r in due], "overdue": [deadline_out(r) for r in overdue]}


async def calendar_rows(runtime: ServiceRuntime, *, case_id: str | None = None, agency: str | None = None) -> list:
    query = select(deadlines).where(deadlines.c.status != "waived").order_by(deadlines.c.due)
    if case_id:
        query = query.where(deadlines.c.case_id == case_id)
    query = _for_agency(query, agency)
    async with runtime.sessions() as session:
        return list((await session.execute(query)).mappings().all())
