"""The read side: what the routes show, read straight from the service's tables. Each query takes a
unit of work for its session and changes nothing (a unit of work that publishes nothing wakes nothing)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared import access_log
from safeguard_shared.access_log import Read
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import (
    action_updates,
    actions,
    audited_cases,
    audits,
    concerns,
    responses,
    samples,
    sampling_rules,
    themes,
    training_completions,
    training_surveys,
)
from ..adapters.repository import load_audit
from ..domain.audit import Audit
from ..domain.audit_tool import Question
from ..domain.training import summarise
from .access import AGENCY_ROLES, is_qa, require_agency_or_qa
from .audits import audit_view
from .errors import Forbidden, NotFound

# The one row of the partnership's sampling exclusions.
RULES = "partnership"


async def _record_read(uow: UnitOfWork, reader: Principal, operation: str, audit_id: str | None, *,
                       case_id: str | None = None) -> None:
    """Every read of an audit's cases, returns or concerns, and of the actions of an audit or a
    review, is recorded in the access log."""
    await access_log.record(uow, reader, Read(operation, case_id=case_id, audit_id=audit_id))


# --- themes and audits ------------------------------------------------------------------------------
async def list_themes(uow: UnitOfWork) -> list[dict[str, Any]]:
    async with uow:
        rows = (await uow.session.execute(select(themes).order_by(themes.c.published_on, themes.c.title))).mappings()
        return [{k: r[k] for k in ("theme_id", "title", "kinds", "description", "published_on")} for r in rows]


async def list_audits(uow: UnitOfWork, *, kind: str | None, status: str | None) -> list[dict[str, Any]]:
    query = select(audits.c.audit_id, audits.c.theme, audits.c.kind, audits.c.qa_meeting_on, audits.c.status,
                   audits.c.theme_id)
    if kind:
        query = query.where(audits.c.kind == kind)
    if status:
        query = query.where(audits.c.status == status)
    async with uow:
        rows = (await uow.session.execute(query.order_by(audits.c.qa_meeting_on, audits.c.theme))).mappings().all()
    return [dict(r) for r in rows]


def sample_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {"audit_id": row["audit_id"], "cases": row["cases"], "seed": row["seed"],
            "population_digest": row["population_digest"], "population_size": row["population_size"],
            "drawn_at": row["drawn_at"], "excluded": row["excluded"], "eligible_digest": row["eligible_digest"],
            "eligible_size": row["eligible_size"], "case_agencies": row["case_agencies"]}


async def sample_of(session: AsyncSession, audit_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(samples).where(samples.c.audit_id == audit_id))).mappings().first()
    return sample_view(row) if row else None


async def get_sample(uow: UnitOfWork, audit_id: str, reader: Principal) -> dict[str, Any]:
    async with uow:
        found = await sample_of(uow.session, audit_id)
        if found is None:
            raise NotFound("no draw for that audit_id")
        await _record_read(uow, reader, "audit sample", audit_id)
    return found


async def get_audit(uow: UnitOfWork, audit_id: str, reader: Principal) -> dict[str, Any]:
    async with uow:
        session = uow.session
        audit = await load_audit(session, audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        await _record_read(uow, reader, "audit detail", audit_id)
        sample = await sample_of(session, audit_id)
        returns = (await session.execute(select(responses.c.agency, responses.c.status, func.count()).where(
            responses.c.audit_id == audit_id).group_by(responses.c.agency, responses.c.status))).all()
        raised = (await session.execute(select(concerns).where(concerns.c.audit_id == audit_id).order_by(
            concerns.c.raised_at))).mappings().all()
        planned = (await session.execute(select(actions.c.status, func.count()).where(
            actions.c.audit_id == audit_id).group_by(actions.c.status))).all()
    out = audit_view(audit)
    out["sample"] = sample
    by_agency: dict[str, dict[str, int]] = {}
    for agency, status, n in returns:
        by_agency.setdefault(agency, {})[status] = n
    out["responses"] = by_agency
    out["concerns"] = [{k: c[k] for k in ("concern_id", "case_no", "raised_by_agency", "agency_concerned", "concern",
                                          "action_taken", "raised_on")} for c in raised]
    out["actions"] = {status: n for status, n in planned}
    return out


# --- sampling ---------------------------------------------------------------------------------------
async def get_rules(session: AsyncSession, default_within_months: int) -> dict[str, Any]:
    """The partnership's exclusions; until it sets them, the service's default window and no references."""
    row = (await session.execute(select(sampling_rules).where(sampling_rules.c.name == RULES))).mappings().first()
    if row is None:
        return {"audited_within_months": default_within_months, "references": [], "updated_at": None,
                "updated_by": None}
    return {k: row[k] for k in ("audited_within_months", "references", "updated_at", "updated_by")}


async def get_exclusions(uow: UnitOfWork, default_within_months: int) -> dict[str, Any]:
    async with uow:
        return await get_rules(uow.session, default_within_months)


async def list_audited_cases(uow: UnitOfWork, since: date | None) -> list[dict[str, Any]]:
    query = select(audited_cases).order_by(audited_cases.c.audited_on, audited_cases.c.case_ref)
    if since:
        query = query.where(audited_cases.c.audited_on >= since)
    async with uow:
        return [dict(r) for r in (await uow.session.execute(query)).mappings().all()]


# --- published learning -----------------------------------------------------------------------------
async def published_learning(uow: UnitOfWork, audit_id: str) -> Audit:
    async with uow:
        audit = await load_audit(uow.session, audit_id)
    if audit is None or not audit.learning:
        raise NotFound("no published learning for that audit_id")
    return audit


async def list_learning(uow: UnitOfWork) -> list[dict[str, Any]]:
    async with uow:
        rows = (await uow.session.execute(select(audits.c.audit_id).where(audits.c.status == "learning_published")
                                          .order_by(audits.c.updated_at))).scalars().all()
        found = [await load_audit(uow.session, audit_id) for audit_id in rows]
    return [{"audit_id": a.audit_id, "theme": a.theme, "kind": a.kind, "published_on": a.learning["published_on"],
             "learning_points": len(a.learning["learning_points"]), "briefings": len(a.briefings)}
            for a in found if a and a.learning]


# --- agencies' responses ------------------------------------------------------------------------------
def visible_responses(query: Select[Any], principal: Principal) -> Select[Any]:
    """The QA sub-group reads every response; an agency only its own."""
    if is_qa(principal):
        return query
    if not principal.has_any(AGENCY_ROLES):
        raise Forbidden(f"this needs one of the roles: qa_lead, business_unit, {', '.join(AGENCY_ROLES)}")
    return query.where(responses.c.agency == principal.agency)


def response_view(row: Mapping[Any, Any], questions: Sequence[Question]) -> dict[str, Any]:
    return {"response_id": row["response_id"], "audit_id": row["audit_id"], "case_no": row["case_no"],
            "case_ref": row["case_ref"], "agency": row["agency"], "status": row["status"],
            "questions": list(questions), "answers": row["answers"], "impact_evidence": row["impact_evidence"],
            "submitted_on": row["submitted_on"]}


async def list_responses(uow: UnitOfWork, principal: Principal, audit_id: str) -> list[dict[str, Any]]:
    async with uow:
        audit = await load_audit(uow.session, audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        query = visible_responses(select(responses).where(responses.c.audit_id == audit_id), principal)
        rows = (await uow.session.execute(query.order_by(responses.c.case_no, responses.c.agency))).mappings().all()
        if not rows and not is_qa(principal):
            raise NotFound("no audit with that audit_id")  # not one this agency was asked to answer
        await _record_read(uow, principal, "audit responses", audit_id)
    return [response_view(r, audit.questions) for r in rows]


async def owed_responses(uow: UnitOfWork, principal: Principal, *, status: str | None = None,
                         agency: str | None = None) -> list[dict[str, Any]]:
    """Every response owed, across audits, each with its audit's theme and dates: an agency's own (its
    way to the audits it was asked to answer), or any agency's for the QA sub-group. No answers: those
    are read one response at a time."""
    query = visible_responses(select(
        responses.c.response_id, responses.c.audit_id, responses.c.case_no, responses.c.case_ref,
        responses.c.agency, responses.c.status, responses.c.submitted_on), principal)
    if status:
        query = query.where(responses.c.status == status)
    if agency and is_qa(principal):
        query = query.where(responses.c.agency == agency)
    async with uow:
        rows = (await uow.session.execute(query)).mappings().all()
        found: dict[str, Audit | None] = {}
        for audit_id in sorted({r["audit_id"] for r in rows}):
            found[audit_id] = await load_audit(uow.session, audit_id)
            await _record_read(uow, principal, "audit responses", audit_id)
    out = []
    for r in rows:
        audit = found.get(r["audit_id"])
        if audit is None:
            continue
        out.append({**dict(r), "theme": audit.theme, "kind": audit.kind, "qa_meeting_on": audit.qa_meeting_on,
                    "session_on": audit.invitations["held_on"] if audit.invitations else None})
    return sorted(out, key=lambda o: (o["qa_meeting_on"], o["theme"], o["case_no"], o["agency"]))


async def response_of(session: AsyncSession, principal: Principal, audit_id: str,
                      response_id: str) -> dict[str, Any]:
    row = (await session.execute(visible_responses(select(responses).where(
        responses.c.audit_id == audit_id, responses.c.response_id == response_id), principal))).mappings().first()
    audit = await load_audit(session, audit_id) if row is not None else None
    if row is None or audit is None:
        raise NotFound("no response with that response_id")
    return response_view(row, audit.questions)


async def get_response(uow: UnitOfWork, principal: Principal, audit_id: str, response_id: str) -> dict[str, Any]:
    async with uow:
        found = await response_of(uow.session, principal, audit_id, response_id)
        await _record_read(uow, principal, "audit response", audit_id)
        return found


# --- action plans -------------------------------------------------------------------------------------
ACTION_COLUMNS = ("action_id", "source", "audit_id", "case_id", "recommendation_id", "description", "owning_agency",
                  "status", "due_on", "overdue_since", "escalations", "updates", "completion_evidence",
                  "completed_on", "created_on")


def action_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in ACTION_COLUMNS}
    out["overdue"] = row["overdue_since"] is not None and row["status"] == "open"
    return out


async def action_of(session: AsyncSession, principal: Principal, action_id: str) -> dict[str, Any]:
    """One action, to whom the action list shows it: the QA sub-group, or the owning agency's staff in an
    agency role (the same roles ``list_actions`` asks for; another role of that agency is refused)."""
    require_agency_or_qa(principal)
    row = (await session.execute(select(actions).where(actions.c.action_id == action_id))).mappings().first()
    if row is None or not (is_qa(principal) or row["owning_agency"] == principal.agency):
        raise NotFound("no action with that action_id")
    updates = (await session.execute(select(action_updates).where(action_updates.c.action_id == action_id)
                                     .order_by(action_updates.c.recorded_at))).mappings().all()
    out = action_view(row)
    out["progress"] = [{"on": u["progress_on"], "note": u["note"], "by": u["recorded_by"]} for u in updates]
    return out


async def get_action(uow: UnitOfWork, principal: Principal, action_id: str) -> dict[str, Any]:
    async with uow:
        found = await action_of(uow.session, principal, action_id)
        await _record_read(uow, principal, "action", found["audit_id"], case_id=found["case_id"])
        return found


async def list_actions(uow: UnitOfWork, principal: Principal, *, audit_id: str | None = None,
                       case_id: str | None = None, agency: str | None = None, status: str | None = None,
                       overdue: bool | None = None) -> list[dict[str, Any]]:
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
    async with uow:
        if audit_id is not None or case_id is not None:  # the action plan of one audit or review
            await _record_read(uow, principal, "action plan", audit_id, case_id=case_id)
        rows = (await uow.session.execute(query.order_by(actions.c.due_on.is_(None), actions.c.due_on,
                                                         actions.c.created_on, actions.c.owning_agency,
                                                         actions.c.action_id))).mappings().all()
    return [action_view(r) for r in rows]


async def action_plan(uow: UnitOfWork, principal: Principal, *, audit_id: str | None, case_id: str | None,
                      agency: str | None, status: str | None, overdue: bool | None) -> list[dict[str, Any]]:
    """The actions of the list, each with its newest progress note (for the exported plan)."""
    rows = await list_actions(uow, principal, audit_id=audit_id, case_id=case_id, agency=agency, status=status,
                              overdue=overdue)
    latest = await _latest_progress(uow, [r["action_id"] for r in rows])
    for row in rows:
        row["latest_progress"] = latest.get(row["action_id"])
    return rows


async def _latest_progress(uow: UnitOfWork, action_ids: list[str]) -> dict[str, str]:
    latest: dict[str, str] = {}
    async with uow:
        for start in range(0, len(action_ids), 1000):
            rows = await uow.session.execute(select(
                action_updates.c.action_id, action_updates.c.progress_on, action_updates.c.note).where(
                action_updates.c.action_id.in_(action_ids[start:start + 1000])).order_by(action_updates.c.recorded_at))
            for action_id, on, note in rows.all():
                latest[action_id] = f"{on.isoformat()}: {note}"
    return latest


# --- training impact ----------------------------------------------------------------------------------
SURVEY_COLUMNS = ("survey_id", "completion_id", "kind", "agency", "course", "due_on", "status", "sent_on", "answers",
                  "answered_on")


def survey_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {k: row[k] for k in SURVEY_COLUMNS}


async def list_surveys(uow: UnitOfWork, principal: Principal, *, status: str | None, agency: str | None,
                       limit: int) -> list[dict[str, Any]]:
    if not is_qa(principal):
        require_agency_or_qa(principal)
        agency = principal.agency
    query = select(training_surveys)
    if status:
        query = query.where(training_surveys.c.status == status)
    if agency:
        query = query.where(training_surveys.c.agency == agency)
    # A survey whose date the scheduling service has not given yet comes last.
    query = query.order_by(training_surveys.c.due_on.is_(None), training_surveys.c.due_on,
                           training_surveys.c.survey_id)
    async with uow:
        rows = (await uow.session.execute(query.limit(limit))).mappings().all()
    return [survey_view(r) for r in rows]


async def impact(uow: UnitOfWork, *, by: str, completed_from: date | None, completed_to: date | None) -> dict[str, Any]:
    """Completions and what their surveys said, overall and by course or agency."""
    c, s = training_completions, training_surveys
    group = c.c.course if by == "course" else c.c.agency
    where = []
    if completed_from:
        where.append(c.c.completed_on >= completed_from)
    if completed_to:
        where.append(c.c.completed_on <= completed_to)
    async with uow:
        counts: dict[str, int] = {g: n for g, n in (await uow.session.execute(
            select(group, func.count()).where(*where).group_by(group))).all()}
        rows = (await uow.session.execute(select(group.label("g"), s.c.kind, s.c.status, s.c.answers).join(
            s, s.c.completion_id == c.c.completion_id).where(*where, s.c.status != "pending"))).mappings().all()
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["g"], []).append(dict(r))
    return {"by": by, "completed_from": completed_from, "completed_to": completed_to,
            "overall": summarise(sum(counts.values()), [dict(r) for r in rows]),
            "groups": {g: summarise(n, groups.get(g, [])) for g, n in sorted(counts.items())}}
