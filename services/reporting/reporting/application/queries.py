"""Reads: a snapshot of the read models, and the figures computed from it (domain/figures.py).

Only facts of cases reporting knows are counted: a case is known once ``referrals.case.opened`` (or a
referral returned before opening) reached it. Each stream's rows are stored as they arrive, whatever
the order, and joined on the known cases here, when figures are computed: a notice for a case no one
opened (one the clock rejected) is never counted, and a fact that arrived before its case opened is
counted from the moment it opens. The live consumer and the replay write the same rows, so they agree.
"""
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
    result = await session.execute(select(table))
    keys = list(result.keys())
    # Zipped with the column names: half the time of dict() over each row's mapping, for every row of
    # every read model a report reads.
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _known(case: dict[str, Any], dates: dict[str, Any]) -> bool:
    # Opened, or a referral returned to its sender before a case opened: both the referrals service's word.
    return case.get("opened_at") is not None or "returned_on" in dates


def _of_known(rows: list[Any], known: set[str]) -> list[Any]:
    """The rows of a case-level read model whose case is known (rows of no case, an audit's, are kept)."""
    return [r for r in rows if r.get("case_id") is None or r["case_id"] in known]


async def snapshot(session: AsyncSession) -> Snapshot:
    dates: dict[str, dict[str, Any]] = {}
    for r in await _rows(session, rm_case_dates):
        dates.setdefault(r["case_id"], {})[r["name"]] = r["on_date"]
    cases = [c for c in cast(list[R.CaseRow], await _rows(session, rm_cases))
             if _known(cast(dict[str, Any], c), dates.get(c["case_id"], {}))]
    known = {c["case_id"] for c in cases}
    for c in cases:
        c["dates"] = dates.get(c["case_id"], {})
    audits = cast(list[R.AuditRow], await _rows(session, rm_audits))
    for audit in audits:
        audit["stage"] = stages.audit_stage(audit["stage_rank"])
    actions = cast(list[R.ActionRow], _of_known(await _rows(session, rm_actions), known))
    for action in actions:
        action["status"] = stages.action_status(action["status_rank"])
    return Snapshot(
        cases=cases,
        deadlines=_of_known(await _rows(session, rm_deadlines), known),
        notifications=_of_known(await _rows(session, rm_notifications), known),
        audits=audits,
        recommendations=_of_known(await _rows(session, rm_recommendations), known),
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
