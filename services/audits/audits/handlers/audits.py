"""Themes, planning an audit, and the steps of an audit after its draw."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from safeguard_shared.auth import Principal
from safeguard_shared.contracts.audits import AuditPlanned, ThemePublished
from safeguard_shared.contracts.envelope import Event
from safeguard_shared.service import ServiceRuntime

from ..adapters.orm import actions, audits, concerns, responses, samples, themes
from ..adapters.repository import load_audit, save_audit
from ..domain.audit import Audit
from ..domain.errors import NotFound, OutOfOrder, RuleBroken
from .common import owe
from .sampling import sample_view


async def publish_theme(runtime: ServiceRuntime, principal: Principal, *, title: str, kinds: list[str],
                        description: str | None) -> dict:
    theme_id, today = str(uuid.uuid4()), runtime.clock.today()
    async with runtime.sessions() as session, session.begin():
        await session.execute(insert(themes).values(theme_id=theme_id, title=title, kinds=kinds,
                                                    description=description, published_on=today,
                                                    published_by=principal.subject))
        await owe(runtime, session, [ThemePublished(theme_id=theme_id, title=title, kinds=kinds, published_on=today)])
    runtime.relay.wake()
    return {"theme_id": theme_id, "title": title, "kinds": kinds, "description": description, "published_on": today}


async def list_themes(runtime: ServiceRuntime) -> list[dict]:
    async with runtime.sessions() as session:
        rows = (await session.execute(select(themes).order_by(themes.c.published_on, themes.c.title))).mappings()
        return [{k: r[k] for k in ("theme_id", "title", "kinds", "description", "published_on")} for r in rows]


async def plan_audit(runtime: ServiceRuntime, principal: Principal, *, theme: str, kind: str, qa_meeting_on: date,
                     theme_id: str | None = None, theme_lead: str | None = None, scope: str | None = None,
                     questions: list[dict] | None = None) -> dict:
    audit_id, now, today = str(uuid.uuid4()), runtime.clock.now(), runtime.clock.today()
    if qa_meeting_on < today:
        # Planned backward from the meeting: a meeting already past would start every clock overdue.
        raise RuleBroken.one(("body", "qa_meeting_on"),
                             f"the QA sub-group meeting must be on or after today ({today.isoformat()})")
    audit = Audit(audit_id=audit_id, theme=theme, kind=kind, qa_meeting_on=qa_meeting_on, theme_id=theme_id)
    events: list[Event] = [AuditPlanned(audit_id=audit_id, theme=theme, kind=kind, qa_meeting_on=qa_meeting_on)]
    if questions is not None:
        events += audit.agree_scope(theme_lead=theme_lead, scope=scope, questions=questions, today=today)
    try:
        async with runtime.sessions() as session, session.begin():
            if theme_id:
                published = (await session.execute(select(themes.c.kinds).where(themes.c.theme_id == theme_id))).first()
                if published is None:
                    raise RuleBroken.one(("body", "theme_id"), "no theme with that theme_id has been published")
                if kind not in published.kinds:
                    raise RuleBroken.one(("body", "kind"), f"the theme was published for {', '.join(published.kinds)}"
                                                           " audits only")
            await session.execute(insert(audits).values(
                audit_id=audit_id, theme=theme, kind=kind, qa_meeting_on=qa_meeting_on, status=audit.status,
                theme_id=theme_id, state=audit.state(), created_at=now, created_by=principal.subject, updated_at=now))
            await owe(runtime, session, events)
    except IntegrityError:
        raise OutOfOrder(f"the theme already has a {kind}'s audit") from None
    runtime.relay.wake()
    return view(audit)


def view(audit: Audit) -> dict:
    """The audit as the QA sub-group sees it (agencies see only their own responses, elsewhere)."""
    return {"audit_id": audit.audit_id, "theme": audit.theme, "kind": audit.kind, "qa_meeting_on": audit.qa_meeting_on,
            "status": audit.status, "theme_id": audit.theme_id, **audit.state(),
            "invited_agencies": audit.invited_agencies}


async def list_audits(runtime: ServiceRuntime, *, kind: str | None, status: str | None) -> list[dict]:
    query = select(audits.c.audit_id, audits.c.theme, audits.c.kind, audits.c.qa_meeting_on, audits.c.status,
                   audits.c.theme_id)
    if kind:
        query = query.where(audits.c.kind == kind)
    if status:
        query = query.where(audits.c.status == status)
    async with runtime.sessions() as session:
        rows = (await session.execute(query.order_by(audits.c.qa_meeting_on, audits.c.theme))).mappings().all()
    return [dict(r) for r in rows]


async def get_audit(runtime: ServiceRuntime, audit_id: str) -> dict:
    async with runtime.sessions() as session:
        audit = await load_audit(session, audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        sample = (await session.execute(select(samples).where(samples.c.audit_id == audit_id))).mappings().first()
        returns = (await session.execute(select(responses.c.agency, responses.c.status, func.count()).where(
            responses.c.audit_id == audit_id).group_by(responses.c.agency, responses.c.status))).all()
        raised = (await session.execute(select(concerns).where(concerns.c.audit_id == audit_id).order_by(
            concerns.c.raised_at))).mappings().all()
        planned = (await session.execute(select(actions.c.status, func.count()).where(
            actions.c.audit_id == audit_id).group_by(actions.c.status))).all()
    out = view(audit)
    out["sample"] = sample_view(sample) if sample else None
    by_agency: dict[str, dict[str, int]] = {}
    for agency, status, n in returns:
        by_agency.setdefault(agency, {})[status] = n
    out["responses"] = by_agency
    out["concerns"] = [{k: c[k] for k in ("concern_id", "case_no", "raised_by_agency", "agency_concerned", "concern",
                                          "action_taken", "raised_on")} for c in raised]
    out["actions"] = {status: n for status, n in planned}
    return out


async def run_step(runtime: ServiceRuntime, audit_id: str, step: Callable[[Audit, date], list[Event]]) -> dict:
    """Load the audit (locked), let the domain take the step, save the audit and the events it owes."""
    async with runtime.sessions() as session, session.begin():
        audit = await load_audit(session, audit_id, for_update=True)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        events = step(audit, runtime.clock.today())
        await save_audit(session, audit, runtime.clock.now())
        await owe(runtime, session, events)
    runtime.relay.wake()
    return view(audit)


async def send_tool(runtime: ServiceRuntime, audit_id: str, involved_agencies: dict[str, list[str]]) -> dict:
    """The template goes to the involved agencies' leads; one response is owed per agency per case."""
    async with runtime.sessions() as session, session.begin():
        audit = await load_audit(session, audit_id, for_update=True)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        events, owed = audit.send_tool(involved_agencies=involved_agencies, today=runtime.clock.today())
        if owed:
            await session.execute(insert(responses), [dict(
                response_id=str(uuid.uuid4()), audit_id=audit_id, case_no=n, case_ref=ref, agency=agency,
                status="not_started", answers={}) for n, ref, agency in owed])
        await save_audit(session, audit, runtime.clock.now())
        await owe(runtime, session, events)
    runtime.relay.wake()
    return view(audit)


async def published_learning(runtime: ServiceRuntime, audit_id: str) -> Audit:
    async with runtime.sessions() as session:
        audit = await load_audit(session, audit_id)
    if audit is None or not audit.learning:
        raise NotFound("no published learning for that audit_id")
    return audit


async def list_learning(runtime: ServiceRuntime) -> list[dict]:
    async with runtime.sessions() as session:
        rows = (await session.execute(select(audits.c.audit_id).where(audits.c.status == "learning_published")
                                      .order_by(audits.c.updated_at))).scalars().all()
        found = [await load_audit(session, audit_id) for audit_id in rows]
    return [{"audit_id": a.audit_id, "theme": a.theme, "kind": a.kind, "published_on": a.learning["published_on"],
             "learning_points": len(a.learning["learning_points"]), "briefings": len(a.briefings)}
            for a in found if a and a.learning]
