"""Projections: each event updates the read models. Upserts, so a replay gives the same figures."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.contracts import Envelope, contract_for, parse
from safeguard_shared.contracts.audits import AuditPlanned
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_shared.contracts.scheduling import DeadlineScheduled

from .adapters.orm import rm_audits, rm_cases, rm_deadlines, rm_notifications


def _upsert(session: AsyncSession, table, values: dict, key: str):  # noqa: ANN001, ANN202
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values)
    return stmt.on_conflict_do_update(index_elements=[key],
                                      set_={k: stmt.excluded[k] for k in values if k != key})


async def project(session: AsyncSession, env: Envelope) -> None:
    if contract_for(env.event_type, env.schema_version) is None:
        return  # an event this version of reporting does not count (yet): skip, don't fail
    event = parse(env)
    if isinstance(event, CaseOpened):
        stage = "rapid_review" if event.rapid_review else "referral"
        if event.pathway == "adult":
            stage = "sar_referral"
        await session.execute(_upsert(session, rm_cases, dict(
            case_id=event.case_id, pathway=event.pathway, stage=stage, referring_agency=event.referring_agency,
            received_on=event.received_on, opened_at=env.occurred_at), "case_id"))
    elif isinstance(event, DeadlineScheduled):
        await session.execute(_upsert(session, rm_deadlines, dict(
            deadline_id=event.deadline_id, key=event.key, case_id=event.case_id, audit_id=event.audit_id,
            agency=event.agency, due=event.due, status=event.status), "deadline_id"))
    elif isinstance(event, NotificationSent):
        await session.execute(_upsert(session, rm_notifications, dict(
            notification_id=event.notification_id, case_id=event.case_id, audit_id=event.audit_id,
            recipient_kind=event.recipient_kind, template=event.template), "notification_id"))
    elif isinstance(event, AuditPlanned):
        await session.execute(_upsert(session, rm_audits, dict(
            audit_id=event.audit_id, theme=event.theme, kind=event.kind, qa_meeting_on=event.qa_meeting_on,
            stage="planned"), "audit_id"))


async def summary(session: AsyncSession) -> dict:
    async def grouped(column) -> dict:  # noqa: ANN001
        rows = (await session.execute(select(column, func.count()).group_by(column))).all()
        return {str(k): n for k, n in sorted(rows, key=lambda r: str(r[0]))}

    open_cases = (await session.execute(select(func.count()).select_from(rm_cases))).scalar_one()
    return {
        "cases": {"open": open_cases, "by_pathway": await grouped(rm_cases.c.pathway),
                  "by_stage": await grouped(rm_cases.c.stage)},
        "deadlines": {"by_status": await grouped(rm_deadlines.c.status),
                      "by_key": await grouped(rm_deadlines.c.key)},
        "notifications": {"sent": sum((await grouped(rm_notifications.c.recipient_kind)).values()),
                          "by_recipient_kind": await grouped(rm_notifications.c.recipient_kind)},
        "audits": {"by_kind": await grouped(rm_audits.c.kind)},
    }
