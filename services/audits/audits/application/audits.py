"""Themes, planning an audit, and sending its tool to the agencies involved in the sampled cases."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from safeguard_shared.contracts.audits import AuditPlanned, ThemePublished
from safeguard_shared.contracts.envelope import Event
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import audits, responses, themes
from ..adapters.repository import load_audit, save_audit
from ..domain.audit import Audit
from ..domain.errors import OutOfOrder, RuleBroken
from .errors import NotFound


@dataclass(frozen=True)
class PublishTheme:
    title: str
    kinds: list[str]
    description: str | None


@dataclass(frozen=True)
class PlanAudit:
    theme: str
    kind: str
    qa_meeting_on: date
    theme_id: str | None = None
    # The scope, when it is agreed as the audit is planned (all three or none).
    theme_lead: str | None = None
    scope: str | None = None
    questions: list[dict[str, str]] | None = None


@dataclass(frozen=True)
class SendTool:
    audit_id: str
    # Agencies involved in a sampled case, where the population did not say: {case_reference: [agency]}.
    involved_agencies: dict[str, list[str]]


def audit_view(audit: Audit) -> dict[str, Any]:
    """The audit as the QA sub-group sees it (agencies see only their own responses, elsewhere)."""
    return {"audit_id": audit.audit_id, "theme": audit.theme, "kind": audit.kind, "qa_meeting_on": audit.qa_meeting_on,
            "status": audit.status, "theme_id": audit.theme_id, **audit.state(),
            "invited_agencies": audit.invited_agencies}


async def publish_theme(cmd: PublishTheme, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    theme_id = str(uuid.uuid4())
    async with uow:
        today = uow.clock.today()
        await uow.session.execute(insert(themes).values(theme_id=theme_id, title=cmd.title, kinds=cmd.kinds,
                                                        description=cmd.description, published_on=today,
                                                        published_by=principal.subject))
        await uow.publish(ThemePublished(theme_id=theme_id, title=cmd.title, kinds=cmd.kinds, published_on=today))
    return {"theme_id": theme_id, "title": cmd.title, "kinds": cmd.kinds, "description": cmd.description,
            "published_on": today}


async def plan_audit(cmd: PlanAudit, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    audit_id, now = str(uuid.uuid4()), uow.now()
    today = uow.clock.today()
    if cmd.qa_meeting_on < today:
        # Planned backward from the meeting: a meeting already past would start every clock overdue.
        raise RuleBroken.one(("body", "qa_meeting_on"),
                             f"the QA sub-group meeting must be on or after today ({today.isoformat()})")
    audit = Audit(audit_id=audit_id, theme=cmd.theme, kind=cmd.kind, qa_meeting_on=cmd.qa_meeting_on,
                  theme_id=cmd.theme_id)
    events: list[Event] = [AuditPlanned(audit_id=audit_id, theme=cmd.theme, kind=cmd.kind,
                                        qa_meeting_on=cmd.qa_meeting_on)]
    if cmd.questions is not None and cmd.theme_lead is not None and cmd.scope is not None:
        events += audit.agree_scope(theme_lead=cmd.theme_lead, scope=cmd.scope, questions=cmd.questions,
                                    today=today)
    try:
        async with uow:
            if cmd.theme_id:
                published = (await uow.session.execute(select(themes.c.kinds).where(
                    themes.c.theme_id == cmd.theme_id))).first()
                if published is None:
                    raise RuleBroken.one(("body", "theme_id"), "no theme with that theme_id has been published")
                if cmd.kind not in published.kinds:
                    raise RuleBroken.one(("body", "kind"), f"the theme was published for {', '.join(published.kinds)}"
                                                           " audits only")
            await uow.session.execute(insert(audits).values(
                audit_id=audit_id, theme=cmd.theme, kind=cmd.kind, qa_meeting_on=cmd.qa_meeting_on,
                status=audit.status, theme_id=cmd.theme_id, state=audit.state(), created_at=now,
                created_by=principal.subject, updated_at=now))
            await uow.publish_all(events)
    except IntegrityError:
        raise OutOfOrder(f"the theme already has a {cmd.kind}'s audit") from None
    return audit_view(audit)


async def send_tool(cmd: SendTool, uow: UnitOfWork) -> dict[str, Any]:
    """The template goes to the involved agencies' leads; one response is owed per agency per case."""
    async with uow:
        audit = await load_audit(uow.session, cmd.audit_id, for_update=True)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        events, owed = audit.send_tool(involved_agencies=cmd.involved_agencies, today=uow.clock.today())
        if owed:
            await uow.session.execute(insert(responses), [dict(
                response_id=str(uuid.uuid4()), audit_id=cmd.audit_id, case_no=n, case_ref=ref, agency=agency,
                status="not_started", answers={}) for n, ref, agency in owed])
        await save_audit(uow.session, audit, uow.now())
        await uow.publish_all(events)
    return audit_view(audit)
