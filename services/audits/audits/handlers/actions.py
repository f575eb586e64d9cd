"""Action plans: actions from audits and from reviews' recommendations, their progress, completion
and the overdue check."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.auth import Principal
from safeguard_shared.contracts import Envelope, contract_for, parse
from safeguard_shared.contracts.audits import ActionCreated
from safeguard_shared.contracts.envelope import Event
from safeguard_shared.contracts.referrals import RecommendationsPublished
from safeguard_shared.service import ServiceRuntime

from ..adapters.orm import action_updates, actions
from ..adapters.repository import (
    action_from_row,
    action_values,
    insert_ignoring_conflicts,
    load_action,
    load_audit,
    save_action,
)
from ..domain.actions import Action
from ..domain.errors import Forbidden, NotFound, OutOfOrder, RuleBroken
from .common import is_qa, owe, require_agency_or_qa

COLUMNS = ("action_id", "source", "audit_id", "case_id", "recommendation_id", "description", "owning_agency",
           "status", "due_on", "overdue_since", "escalations", "updates", "completion_evidence", "completed_on",
           "created_on")


def _out(row) -> dict:
    out = {k: row[k] for k in COLUMNS}
    out["overdue"] = row["overdue_since"] is not None and row["status"] == "open"
    return out


def _created(action: Action, today: date) -> ActionCreated:
    return ActionCreated(action_id=action.action_id, source=action.source, audit_id=action.audit_id,
                         case_id=action.case_id, owning_agency=action.owning_agency, due_on=action.due_on,
                         created_on=today)


async def add_audit_action(runtime: ServiceRuntime, principal: Principal, audit_id: str, *, description: str,
                           owning_agency: str, due_on: date) -> dict:
    today = runtime.clock.today()
    if due_on < today:
        raise RuleBroken.one(("body", "due_on"), "the due date is in the past")
    async with runtime.sessions() as session, session.begin():
        audit = await load_audit(session, audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        if not audit.findings:
            raise OutOfOrder("an audit's action plan addresses its findings: record them first")
        action = Action(action_id=str(uuid.uuid4()), source="audit", owning_agency=owning_agency,
                        description=description, audit_id=audit_id, due_on=due_on)
        action.set_due(due_on, today)  # starts its overdue clock
        await session.execute(insert(actions).values(action_id=action.action_id, **action_values(action),
                                                     created_on=today, created_by=principal.subject))
        await owe(runtime, session, [_created(action, today)])
    runtime.relay.wake()
    return await get_action(runtime, principal, action.action_id)


def when_review_recommendations_published_plan_actions(runtime: ServiceRuntime):
    """The consumer of referrals.case.recommendations_published: one proposed action per recommendation,
    waiting for the QA sub-group to agree its due date."""

    async def handle(session: AsyncSession, env: Envelope) -> None:
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        if not isinstance(event, RecommendationsPublished):
            return
        today = runtime.clock.today()
        for rec in event.recommendations:
            action = Action(action_id=str(uuid.uuid4()), source="review", owning_agency=rec.owning_agency,
                            description=rec.text, status="proposed", case_id=event.case_id,
                            recommendation_id=rec.recommendation_id)
            result = await session.execute(insert_ignoring_conflicts(session, actions).values(
                action_id=action.action_id, **action_values(action), created_on=today,
                created_by=f"review:{event.pathway}").on_conflict_do_nothing())
            if result.rowcount:
                await owe(runtime, session, [_created(action, today)], env)

    return handle


async def _step(runtime: ServiceRuntime, principal: Principal, action_id: str, *, qa_only: bool,
                step: Callable[[Action, date], list[Event]], note: str | None = None) -> dict:
    async with runtime.sessions() as session, session.begin():
        action = await load_action(session, action_id, for_update=True)
        if action is None or not (is_qa(principal) or principal.agency == action.owning_agency):
            raise NotFound("no action with that action_id")
        if qa_only and not is_qa(principal):
            raise Forbidden("the QA sub-group (qa_lead, business_unit) agrees an action's due date")
        require_agency_or_qa(principal, action.owning_agency)
        today = runtime.clock.today()
        events = step(action, today)
        await save_action(session, action)
        if note is not None:
            await session.execute(insert(action_updates).values(
                update_id=str(uuid.uuid4()), action_id=action_id, progress_on=today, note=note,
                recorded_by=principal.subject, recorded_at=runtime.clock.now()))
        await owe(runtime, session, events)
    runtime.relay.wake()
    return await get_action(runtime, principal, action_id)


async def set_due(runtime: ServiceRuntime, principal: Principal, action_id: str, due_on: date) -> dict:
    return await _step(runtime, principal, action_id, qa_only=True, step=lambda a, today: a.set_due(due_on, today))


async def record_progress(runtime: ServiceRuntime, principal: Principal, action_id: str, note: str) -> dict:
    return await _step(runtime, principal, action_id, qa_only=False, note=note,
                       step=lambda a, today: a.record_progress(today))


async def complete(runtime: ServiceRuntime, principal: Principal, action_id: str, evidence: str,
                   completed_on: date | None) -> dict:
    return await _step(runtime, principal, action_id, qa_only=False,
                       step=lambda a, today: a.complete(evidence, completed_on or today, today))


async def get_action(runtime: ServiceRuntime, principal: Principal, action_id: str) -> dict:
    async with runtime.sessions() as session:
        row = (await session.execute(select(actions).where(actions.c.action_id == action_id))).mappings().first()
        if row is None or not (is_qa(principal) or row["owning_agency"] == principal.agency):
            raise NotFound("no action with that action_id")
        updates = (await session.execute(select(action_updates).where(action_updates.c.action_id == action_id)
                                         .order_by(action_updates.c.recorded_at))).mappings().all()
    out = _out(row)
    out["progress"] = [{"on": u["progress_on"], "note": u["note"], "by": u["recorded_by"]} for u in updates]
    return out


async def list_actions(runtime: ServiceRuntime, principal: Principal, *, audit_id: str | None = None,
                       case_id: str | None = None, agency: str | None = None, status: str | None = None,
                       overdue: bool | None = None) -> list[dict]:
    """The action plan: the QA sub-group sees every action, an agency its own."""
    if not is_qa(principal):
        require_agency_or_qa(principal)
        agency = principal.agency
    query = select(actions)
    for column, value in ((actions.c.audit_id, audit_id), (actions.c.case_id, case_id),
                          (actions.c.owning_agency, agency), (actions.c.status, status)):
        if value is not None:
            query = query.where(column == value)
    if overdue is not None:
        query = query.where(actions.c.overdue_since.is_not(None) & (actions.c.status == "open")) if overdue else \
            query.where(actions.c.overdue_since.is_(None) | (actions.c.status != "open"))
    async with runtime.sessions() as session:
        rows = (await session.execute(query.order_by(actions.c.due_on.is_(None), actions.c.due_on,
                                                     actions.c.created_on, actions.c.owning_agency,
                                                     actions.c.action_id))).mappings().all()
    return [_out(r) for r in rows]


async def check_overdue(runtime: ServiceRuntime, escalate_every_days: int, batch: int = 500) -> int:
    """Mark the actions whose due day has ended as overdue and escalate the ones still overdue; returns
    how many events were owed. Safe with several replicas (rows are taken with SKIP LOCKED)."""
    today = runtime.clock.today()
    fired = 0
    async with runtime.sessions() as session, session.begin():
        query = select(actions).where(actions.c.next_check_on <= today).order_by(actions.c.next_check_on).limit(batch)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for row in (await session.execute(query)).mappings().all():
            action = action_from_row(row)
            events = action.check_overdue(today, escalate_every_days)
            if action.next_check_on == row["next_check_on"] and not events:
                action.next_check_on = None  # nothing more can fall due (e.g. not open): stop looking
            await save_action(session, action)
            await owe(runtime, session, events)
            fired += len(events)
    if fired:
        runtime.relay.wake()
    return fired



async def latest_progress(runtime: ServiceRuntime, action_ids: list[str]) -> dict[str, str]:
    """The newest progress note of each action (for the exported plan)."""
    latest: dict[str, str] = {}
    async with runtime.sessions() as session:
        for start in range(0, len(action_ids), 1000):
            rows = await session.execute(select(action_updates.c.action_id, action_updates.c.progress_on,
                                                action_updates.c.note).where(
                action_updates.c.action_id.in_(action_ids[start:start + 1000])).order_by(action_updates.c.recorded_at))
            for action_id, on, note in rows.all():
                latest[action_id] = f"{on.isoformat()}: {note}"
    return latest
