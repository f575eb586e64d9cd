"""Reads: a snapshot of the read models, and the figures computed from it (domain/figures.py)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import (
    rm_actions,
    rm_audit_concerns,
    rm_audit_responses,
    rm_audits,
    rm_briefings,
    rm_case_dates,
    rm_cases,
    rm_deadlines,
    rm_good_practice,
    rm_notifications,
    rm_recommendations,
    rm_themes,
    rm_training,
    rm_training_surveys,
)
from ..domain import rows as R
from ..domain import stages
from ..domain.figures import Context, compute
from ..domain.snapshot import Figure, Snapshot


async def _rows(session: AsyncSession, table: Table) -> list[Any]:
    """Every row of a read model, as the typed dictionary the domain reads (domain/rows.py)."""
    return [dict(r) for r in (await session.execute(select(table))).mappings().all()]


async def snapshot(session: AsyncSession) -> Snapshot:
    cases = cast(list[R.CaseRow], await _rows(session, rm_cases))
    dates: dict[str, dict[str, Any]] = {}
    for r in await _rows(session, rm_case_dates):
        dates.setdefault(r["case_id"], {})[r["name"]] = r["on_date"]
    for c in cases:
        c["dates"] = dates.get(c["case_id"], {})
    audits = cast(list[R.AuditRow], await _rows(session, rm_audits))
    for audit in audits:
        audit["stage"] = stages.audit_stage(audit["stage_rank"])
    actions = cast(list[R.ActionRow], await _rows(session, rm_actions))
    for action in actions:
        action["status"] = stages.action_status(action["status_rank"])
    return Snapshot(
        cases=cases,
        deadlines=await _rows(session, rm_deadlines),
        notifications=await _rows(session, rm_notifications),
        audits=audits,
        recommendations=await _rows(session, rm_recommendations),
        actions=actions,
        audit_responses=await _rows(session, rm_audit_responses),
        concerns=await _rows(session, rm_audit_concerns),
        good_practice=await _rows(session, rm_good_practice),
        themes=await _rows(session, rm_themes),
        briefings=await _rows(session, rm_briefings),
        training=await _rows(session, rm_training),
        surveys=await _rows(session, rm_training_surveys),
    )


async def figures(uow: UnitOfWork, names: Iterable[str], ctx: Context) -> dict[str, Figure]:
    """The named figures, from one snapshot of the read models."""
    async with uow:
        snap = await snapshot(uow.session)
    return {name: compute(name, snap, ctx) for name in names}


async def figure(uow: UnitOfWork, name: str, ctx: Context) -> Figure:
    return (await figures(uow, [name], ctx))[name]
