"""Use cases of the scheduling service."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.contracts import Envelope, parse
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_shared.contracts.scheduling import DeadlineScheduled
from safeguard_shared.service import ServiceRuntime

from .adapters.orm import deadlines
from .domain.calendar import WorkingDayCalendar
from .domain.policies import ClockStart, when_child_case_opened_start_the_rapid_review_clocks
from .domain.rules import RuleBook


class Scheduler:
    """Turns anchor events into deadlines, in the same transaction as the inbox record."""

    def __init__(self, runtime: ServiceRuntime, calendar: WorkingDayCalendar, rules: RuleBook):
        self.runtime = runtime
        self.calendar = calendar
        self.rules = rules

    async def on_referrals_event(self, session: AsyncSession, env: Envelope) -> None:
        if env.event_type != CaseOpened.event_type:
            return  # not an anchor this service listens for (yet)
        event = parse(env)
        assert isinstance(event, CaseOpened)
        if event.pathway != "child":
            return
        starts = when_child_case_opened_start_the_rapid_review_clocks(
            received_on=event.received_on, became_aware_on=event.became_aware_on,
            rapid_review=event.rapid_review, notices_owed=list(event.notices_owed))
        for start in starts:
            await self.start_clock(session, start, case_id=event.case_id, env=env)

    async def start_clock(self, session: AsyncSession, start: ClockStart, *, env: Envelope,
                          case_id: str | None = None, audit_id: str | None = None) -> None:
        rule = self.rules.get(start.key)
        due = self.rules.due_for(rule, start.anchors, self.calendar)
        occasion = f"case:{case_id}" if case_id else f"audit:{audit_id}"
        deadline_id = str(uuid.uuid4())
        skipped = [{"date": s.date.isoformat(), "reason": s.reason} for s in due.due.skipped]
        values = dict(
            deadline_id=deadline_id, key=start.key, case_id=case_id, audit_id=audit_id,
            occasion=occasion, agency=start.agency, anchor_on=due.due.start, due=due.due.date,
            window_start=due.window_start.date if due.window_start else None, status="pending",
            explanation=due.explanation, skipped=skipped, created_at=self.runtime.clock.now())
        dialect = session.bind.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        result = await session.execute(insert(deadlines).values(**values).on_conflict_do_nothing(
            index_elements=["key", "occasion", "agency"]))
        if result.rowcount == 0:
            return  # this clock already runs for this occasion
        await self.runtime.outbox.add(session, DeadlineScheduled(
            deadline_id=deadline_id, key=start.key, case_id=case_id, audit_id=audit_id,
            agency=start.agency or None, due=due.due.date,
            window_start=values["window_start"], status="pending"),
            occurred_at=self.runtime.clock.now(), correlation_id=env.correlation_id,
            causation_id=env.event_id)


async def list_deadlines(runtime: ServiceRuntime, *, case_id: str | None, audit_id: str | None,
                         agency: str | None) -> list[dict]:
    query = select(deadlines).order_by(deadlines.c.due, deadlines.c.key)
    if case_id:
        query = query.where(deadlines.c.case_id == case_id)
    if audit_id:
        query = query.where(deadlines.c.audit_id == audit_id)
    if agency is not None:
        query = query.where(deadlines.c.agency == agency)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).mappings().all()
    out = []
    for row in rows:
        item = {"deadline_id": row["deadline_id"], "key": row["key"], "due": row["due"],
                "status": row["status"], "explanation": row["explanation"], "skipped": row["skipped"],
                "case_id": row["case_id"], "audit_id": row["audit_id"]}
        if row["window_start"]:
            item["window_start"] = row["window_start"]
        if row["agency"]:
            item["agency"] = row["agency"]
        if row["met_on"]:
            item["met_on"] = row["met_on"]
        out.append(item)
    return out


def add_working_days(calendar: WorkingDayCalendar, start: date, days: int) -> dict:
    result = calendar.add_working_days(start, days)
    return {"start": start, "days": days, "date": result.date,
            "skipped": [{"date": s.date, "reason": s.reason} for s in result.skipped],
            "explanation": result.explanation}
