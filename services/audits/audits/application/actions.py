"""Action plans: actions from audits and from reviews' recommendations, their progress, completion
and the overdue check."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from safeguard_shared.contracts.audits import ActionCreated
from safeguard_shared.contracts.envelope import Event
from safeguard_shared.contracts.referrals import RecommendationsPublished
from safeguard_shared.db import dialect_insert
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import action_updates, actions
from ..adapters.repository import (
    action_from_row,
    action_values,
    is_postgres,
    load_action,
    load_audit,
    save_action,
)
from ..domain.actions import Action
from ..domain.errors import OutOfOrder, RuleBroken
from .access import is_qa, require_agency_or_qa
from .errors import Forbidden, NotFound
from .queries import action_of


@dataclass(frozen=True)
class AddAuditAction:
    audit_id: str
    description: str
    owning_agency: str
    due_on: date


@dataclass(frozen=True)
class SetDueDate:
    action_id: str
    due_on: date


@dataclass(frozen=True)
class RecordProgress:
    action_id: str
    note: str


@dataclass(frozen=True)
class Complete:
    action_id: str
    evidence: str
    completed_on: date | None


@dataclass(frozen=True)
class CheckOverdue:
    escalate_every_days: int
    batch: int = 500


def _created(action: Action, today: date) -> ActionCreated:
    return ActionCreated(action_id=action.action_id, source=action.source, audit_id=action.audit_id,
                         case_id=action.case_id, case_ref=action.case_ref, owning_agency=action.owning_agency,
                         due_on=action.due_on,
                         created_on=today)


async def add_audit_action(cmd: AddAuditAction, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    today = uow.clock.today()
    if cmd.due_on < today:
        raise RuleBroken.one(("body", "due_on"), "the due date is in the past")
    async with uow:
        audit = await load_audit(uow.session, cmd.audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        if not audit.findings:
            raise OutOfOrder("an audit's action plan addresses its findings: record them first")
        action = Action(action_id=str(uuid.uuid4()), source="audit", owning_agency=cmd.owning_agency,
                        description=cmd.description, audit_id=cmd.audit_id, due_on=cmd.due_on)
        action.set_due(cmd.due_on, today)  # starts its overdue clock
        await uow.session.execute(insert(actions).values(action_id=action.action_id, **action_values(action),
                                                         created_on=today, created_by=principal.subject))
        await uow.publish(_created(action, today))
        return await action_of(uow.session, principal, action.action_id)


async def when_review_recommendations_published_plan_actions(event: RecommendationsPublished,
                                                             uow: UnitOfWork) -> None:
    """One proposed action per recommendation, waiting for the QA sub-group to agree its due date; a
    recommendation delivered again adds nothing (one action per case and recommendation)."""
    today = uow.clock.today()
    for rec in event.recommendations:
        action = Action(action_id=str(uuid.uuid4()), source="review", owning_agency=rec.owning_agency,
                        description=rec.text, status="proposed", case_id=event.case_id, case_ref=event.case_ref,
                        recommendation_id=rec.recommendation_id)
        result = await uow.session.execute(dialect_insert(uow.session, actions).values(
            action_id=action.action_id, **action_values(action), created_on=today,
            created_by=f"review:{event.pathway}").on_conflict_do_nothing())
        if getattr(result, "rowcount", 0):
            await uow.publish(_created(action, today))


async def _step(uow: UnitOfWork, principal: Principal, action_id: str, *, qa_only: bool,
                step: Callable[[Action, date], list[Event]], note: str | None = None) -> dict[str, Any]:
    async with uow:
        action = await load_action(uow.session, action_id, for_update=True)
        if action is None or not (is_qa(principal) or principal.agency == action.owning_agency):
            raise NotFound("no action with that action_id")
        if qa_only and not is_qa(principal):
            raise Forbidden("the QA sub-group (qa_lead, business_unit) agrees an action's due date")
        require_agency_or_qa(principal, action.owning_agency)
        today = uow.clock.today()
        events = step(action, today)
        await save_action(uow.session, action)
        if note is not None:
            await uow.session.execute(insert(action_updates).values(
                update_id=str(uuid.uuid4()), action_id=action_id, progress_on=today, note=note,
                recorded_by=principal.subject, recorded_at=uow.now()))
        await uow.publish_all(events)
        return await action_of(uow.session, principal, action_id)


async def set_due_date(cmd: SetDueDate, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    return await _step(uow, principal, cmd.action_id, qa_only=True,
                       step=lambda a, today: a.set_due(cmd.due_on, today))


async def record_progress(cmd: RecordProgress, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    return await _step(uow, principal, cmd.action_id, qa_only=False, note=cmd.note,
                       step=lambda a, today: a.record_progress(today))


async def complete(cmd: Complete, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    return await _step(uow, principal, cmd.action_id, qa_only=False,
                       step=lambda a, today: a.complete(cmd.evidence, cmd.completed_on or today, today))


async def check_overdue(cmd: CheckOverdue, uow: UnitOfWork) -> int:
    """Mark the actions whose due day has ended as overdue and escalate the ones still overdue; returns
    how many events were owed. Safe with several replicas (rows are taken with SKIP LOCKED)."""
    fired = 0
    async with uow:
        today = uow.clock.today()
        query = select(actions).where(actions.c.next_check_on <= today).order_by(actions.c.next_check_on) \
            .limit(cmd.batch)
        if is_postgres(uow.session):
            query = query.with_for_update(skip_locked=True)
        for row in (await uow.session.execute(query)).mappings().all():
            action = action_from_row(row)
            events = action.check_overdue(today, cmd.escalate_every_days)
            if action.next_check_on == row["next_check_on"] and not events:
                action.next_check_on = None  # nothing more can fall due (e.g. not open): stop looking
            await save_action(uow.session, action)
            await uow.publish_all(events)
            fired += len(events)
    return fired
