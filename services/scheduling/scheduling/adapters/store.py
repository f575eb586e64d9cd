"""The clock's store: what it knows of each occasion, its deadlines and their history.

Every function takes the unit of work's session and runs inside its transaction; none commits.
Rows come back as mappings keyed by column name (the `deadlines` table's columns).

The statements each referral's events run are made once, with their values as parameters: building
a statement and working out its cache key costs SQLAlchemy about as much as running it. (An UPDATE's
own parameters may not be named after its columns: hence the "b_" names.)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.db import append, insert_if_new, select_for_update

from ..domain.deadlines import OPEN_STATUSES
from .orm import deadline_history, deadlines, early_facts, occasions

Row = RowMapping


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else ""


async def _insert_once(session: AsyncSession, table: Any, values: Mapping[str, Any], unique: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; whether a row was written (a redelivered event writes none).
    The values go as parameters, not into the statement: SQLAlchemy then finds the statement compiled
    in its cache instead of building and keying a new one for each row (a fifth of scheduling's time)."""
    result = cast(CursorResult[Any], await session.execute(insert_if_new(session, table, unique), dict(values)))
    return bool(result.rowcount)


# --- occasions ---------------------------------------------------------------------------------------
_OCCASION = select(occasions).where(occasions.c.occasion == bindparam("occasion"))
_SET_ANCHORS = update(occasions).where(occasions.c.occasion == bindparam("b_occasion"))


async def occasion(session: AsyncSession, name: str, *, lock: bool = False) -> dict[str, Any] | None:
    params = {"occasion": name}
    # Facts about one case are recorded one after another.
    row = (await (select_for_update(session, _OCCASION, params) if lock else session.execute(_OCCASION, params))
           ).mappings().first()
    return dict(row) if row else None


async def lock_occasion(session: AsyncSession, name: str) -> None:
    """Serialise, until the transaction ends, everything that opens an occasion or records a fact on
    it. On PostgreSQL a fact handled by one replica while another opens its case would otherwise not
    see the case (not committed yet) and be kept as early for ever; SQLite serialises writers anyway."""
    if _dialect(session) == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))


async def remember_occasion(session: AsyncSession, name: str, process: str, agencies: Iterable[str],
                            anchors: Mapping[str, date], now: datetime, *, case_ref: str | None = None) -> None:
    written = await _insert_once(session, occasions, dict(
        occasion=name, process=process, involved_agencies=list(agencies),
        anchors={k: v.isoformat() for k, v in anchors.items()}, case_ref=case_ref, updated_at=now), ["occasion"])
    if case_ref and not written:
        # A case opened before its reference was kept learns it when its CaseOpened comes again.
        await session.execute(update(occasions).where(occasions.c.occasion == name,
                                                      occasions.c.case_ref.is_(None)).values(case_ref=case_ref))


async def set_anchors(session: AsyncSession, name: str, anchors: Mapping[str, str], now: datetime) -> None:
    await session.execute(_SET_ANCHORS, {"b_occasion": name, "anchors": dict(anchors), "updated_at": now})


# --- facts that arrived before their occasion ------------------------------------------------------
async def keep_early_fact(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(insert(early_facts).values(**values))


_EARLY_FACTS = select(early_facts).where(early_facts.c.occasion == bindparam("occasion")).order_by(early_facts.c.id)


async def take_early_facts(session: AsyncSession, name: str) -> list[dict[str, Any]]:
    """The facts kept for this occasion, in the order they arrived; they are no longer kept."""
    rows = (await session.execute(_EARLY_FACTS, {"occasion": name})).mappings().all()
    if rows:
        await session.execute(delete(early_facts).where(early_facts.c.id.in_([r["id"] for r in rows])))
    return [dict(r) for r in rows]


async def early_facts_received_before(session: AsyncSession, before: datetime) -> Sequence[Row]:
    """The facts still kept for an occasion that has not opened, received before ``before``, oldest first."""
    rows: Sequence[Row] = (await session.execute(select(early_facts).where(early_facts.c.received_at < before)
                                                 .order_by(early_facts.c.received_at, early_facts.c.id))
                           ).mappings().all()
    return rows


# --- deadlines ---------------------------------------------------------------------------------------
# Every read of deadlines the use cases act on brings the case's reference with it, in the same
# statement (the events they publish carry it): no query per row, even in the ticker's round.
_WITH_CASE_REF = select(deadlines, occasions.c.case_ref).select_from(
    deadlines.outerjoin(occasions, occasions.c.occasion == deadlines.c.occasion))


async def _locked(session: AsyncSession, query: Select[Any], *, skip_locked: bool = False) -> Sequence[Row]:
    """The deadlines read, locked as ``select_for_update`` locks them; on PostgreSQL only the deadlines'
    rows (an occasion may have no row: the nullable side of the join cannot be locked)."""
    if _dialect(session) == "postgresql":
        rows: Sequence[Row] = (await session.execute(query.with_for_update(of=deadlines, skip_locked=skip_locked))
                               ).mappings().all()
        return rows
    rows = (await select_for_update(session, query)).mappings().all()
    return rows


_CLOCK = ["key", "occasion", "agency", "occurrence"]


async def add_deadlines(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """The new deadlines, in one statement, except those whose clock already runs for their occasion
    (and agency, occurrence); the ids of the rows written."""
    if not rows:
        return set()
    written = await session.execute(insert_if_new(session, deadlines, _CLOCK, returning=["deadline_id"]),
                                    [dict(row) for row in rows])
    return set(written.scalars())


async def deadline(session: AsyncSession, deadline_id: str, *, lock: bool = False) -> Row | None:
    query = _WITH_CASE_REF.where(deadlines.c.deadline_id == deadline_id)
    if lock:
        rows = await _locked(session, query)
        return rows[0] if rows else None
    return (await session.execute(query)).mappings().first()


async def deadlines_where(session: AsyncSession, *conditions: ColumnElement[bool],
                          lock: bool = False) -> Sequence[Row]:
    query = _WITH_CASE_REF.where(*conditions)
    return await _locked(session, query) if lock else (await session.execute(query)).mappings().all()


# Any clock a fact may meet: open, or paused (a SAR's clocks while it is paused).
_OF_RULE = _WITH_CASE_REF.where(deadlines.c.occasion == bindparam("occasion"), deadlines.c.key == bindparam("key"),
                                deadlines.c.status.in_((*OPEN_STATUSES, "paused")))
_OF_RULE_FOR_AGENCY = _OF_RULE.where(deadlines.c.agency == bindparam("agency"))


async def clocks_a_fact_may_meet(session: AsyncSession, occasion: str, key: str, *,
                                 agency: str | None = None) -> Sequence[Row]:
    """The occasion's clocks of the rule ``key`` still running or paused (only ``agency``'s, if given)."""
    if agency is None:
        return (await session.execute(_OF_RULE, {"occasion": occasion, "key": key})).mappings().all()
    return (await session.execute(_OF_RULE_FOR_AGENCY, {"occasion": occasion, "key": key, "agency": agency})
            ).mappings().all()


# The columns to change are the parameters given with the call.
_CHANGE_DEADLINE = update(deadlines).where(deadlines.c.deadline_id == bindparam("b_deadline_id"))


async def change_deadline(session: AsyncSession, deadline_id: str, **values: Any) -> None:
    await session.execute(_CHANGE_DEADLINE, {"b_deadline_id": deadline_id, **values})


_ADD_HISTORY = insert(deadline_history)


async def record_history(session: AsyncSession, deadline_id: str, at: datetime, change: str, detail: str) -> None:
    # Only added, never read back by the transaction: a consumer's batch writes its lines in one statement.
    await append(session, _ADD_HISTORY, dict(deadline_id=deadline_id, at=at, change=change, detail=detail))


async def history_of(session: AsyncSession, deadline_id: str) -> Sequence[Row]:
    return (await session.execute(select(deadline_history).where(
        deadline_history.c.deadline_id == deadline_id).order_by(deadline_history.c.id))).mappings().all()


# --- the ticker's round ------------------------------------------------------------------------------
async def transitions_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Row]:
    """Deadlines whose next transition has come, oldest first; on PostgreSQL rows another replica is
    ticking are skipped, so no transition fires twice. Reads only the ``next_transition_at`` index."""
    query = _WITH_CASE_REF.where(deadlines.c.next_transition_at <= now).order_by(
        deadlines.c.next_transition_at).limit(limit)
    if _dialect(session) == "postgresql":
        return await _locked(session, query, skip_locked=True)
    # SQLite: a cheap look first, so an idle tick takes no write lock; when something is due, read it
    # again under the lock, or a fact (a deadline met) committed between this read and the round's write
    # would be overwritten by a stale "overdue".
    if not (await session.execute(select(deadlines.c.deadline_id).where(
            deadlines.c.next_transition_at <= now).limit(1))).first():
        return []
    return await _locked(session, query)


async def record_round(session: AsyncSession, now: datetime, history: list[dict[str, Any]],
                       changes: list[dict[str, Any]]) -> None:
    """A round's history and new states in two statements, however many deadlines it moved."""
    if history:
        await session.execute(insert(deadline_history), history)
    if changes:
        await session.execute(
            update(deadlines).where(deadlines.c.deadline_id == bindparam("b_id")).values(
                status=bindparam("b_status"), escalations=bindparam("b_escalations"),
                next_transition_at=bindparam("b_next"), updated_at=now)
            .execution_options(synchronize_session=False), changes)


# --- reads -------------------------------------------------------------------------------------------
def for_agency(query: Select[Any], agency: str | None) -> Select[Any]:
    """Agency staff see the deadlines their own agency must meet, nothing else."""
    if agency is None:
        return query
    return query.where(or_(deadlines.c.agency == agency, deadlines.c.who_agency == agency))


async def read(session: AsyncSession, query: Select[Any]) -> Sequence[Row]:
    rows: Sequence[Row] = (await session.execute(query)).mappings().all()
    return rows
