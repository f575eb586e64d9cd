"""The cases store: a case's row and its aggregate, its history, and the log of who read it.

Each function works inside the caller's transaction (a unit of work's session); none commits.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.db import select_for_update

from .orm import case_history, case_reads, cases


async def case_row(session: AsyncSession, case_id: str, *, for_update: bool = False) -> RowMapping | None:
    query = select(cases).where(cases.c.case_id == case_id)
    if for_update:  # two steps on one case queue up instead of overwriting each other
        return (await select_for_update(session, query)).mappings().first()
    return (await session.execute(query)).mappings().first()


async def add_case(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(cases).values(**values))


async def update_case(session: AsyncSession, case_id: str, **values: Any) -> None:
    await session.execute(update(cases).where(cases.c.case_id == case_id).values(**values))


async def add_history(session: AsyncSession, *, case_id: str, at: datetime, actor: str, agency: str, action: str,
                      detail: Mapping[str, Any]) -> None:
    await session.execute(insert(case_history).values(case_id=case_id, at=at, actor=actor, agency=agency,
                                                      action=action, detail=dict(detail)))


async def history(session: AsyncSession, case_id: str) -> list[RowMapping]:
    query = select(case_history).where(case_history.c.case_id == case_id).order_by(case_history.c.id)
    return list((await session.execute(query)).mappings().all())


async def record_read(session: AsyncSession, *, case_id: str, subject: str, agency: str, at: datetime) -> None:
    """Every read of case detail is recorded: who, for which agency, and when (the real time)."""
    await session.execute(insert(case_reads).values(read_id=str(uuid.uuid4()), case_id=case_id, subject=subject,
                                                    agency=agency, read_at=at))
