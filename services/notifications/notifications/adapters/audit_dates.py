"""The audit dates the clock (the scheduling service) set, one row per audit: its latest ``macfa.audit_date``."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.db import dialect_insert

from .orm import audit_dates


async def remember(session: AsyncSession, audit_id: str, audit_on: date, deadline_id: str) -> None:
    stmt = dialect_insert(session, audit_dates).values(audit_id=audit_id, audit_on=audit_on, deadline_id=deadline_id)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["audit_id"], set_={"audit_on": audit_on, "deadline_id": deadline_id}))


async def find(session: AsyncSession, audit_id: str) -> date | None:
    found: date | None = (await session.execute(select(audit_dates.c.audit_on).where(
        audit_dates.c.audit_id == audit_id))).scalar_one_or_none()
    return found
