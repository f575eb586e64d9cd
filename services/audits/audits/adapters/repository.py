"""Loading and saving the audit aggregate and actions; the dialect-specific bits of SQL."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.db import select_for_update

from ..domain.actions import Action
from ..domain.audit import Audit
from .orm import actions, audits, samples

Q = TypeVar("Q", bound=Select[Any])


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def load_audit(session: AsyncSession, audit_id: str, *, for_update: bool = False) -> Audit | None:
    query = select(audits).where(audits.c.audit_id == audit_id)
    row = (await (select_for_update(session, query) if for_update else session.execute(query))).mappings().first()
    if row is None:
        return None
    sample = (await session.execute(select(samples.c.cases, samples.c.case_agencies).where(
        samples.c.audit_id == audit_id))).mappings().first()
    audit = Audit(audit_id=row["audit_id"], theme=row["theme"], kind=row["kind"], qa_meeting_on=row["qa_meeting_on"],
                  status=row["status"], theme_id=row["theme_id"],
                  cases=list(sample["cases"]) if sample else [],
                  case_agencies=dict(sample["case_agencies"]) if sample else {})
    return audit.load_state(row["state"])


async def save_audit(session: AsyncSession, audit: Audit, now: datetime) -> None:
    await session.execute(update(audits).where(audits.c.audit_id == audit.audit_id).values(
        status=audit.status, state=audit.state(), updated_at=now))


ACTION_FIELDS = ("action_id", "source", "owning_agency", "description", "status", "audit_id", "case_id",
                 "case_ref", "recommendation_id", "due_on", "overdue_since", "escalations", "next_check_on", "updates",
                 "completion_evidence", "completed_on")


def action_from_row(row: Mapping[Any, Any]) -> Action:
    return Action(**{k: row[k] for k in ACTION_FIELDS})


async def load_action(session: AsyncSession, action_id: str, *, for_update: bool = False) -> Action | None:
    query = select(actions).where(actions.c.action_id == action_id)
    row = (await (select_for_update(session, query) if for_update else session.execute(query))).mappings().first()
    return action_from_row(row) if row else None


def action_values(action: Action) -> dict[str, Any]:
    return {k: getattr(action, k) for k in ACTION_FIELDS if k != "action_id"}


async def save_action(session: AsyncSession, action: Action) -> None:
    await session.execute(update(actions).where(actions.c.action_id == action.action_id).values(
        **action_values(action)))
