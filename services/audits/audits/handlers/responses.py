"""Agencies' responses to the audit tool, and immediate safeguarding concerns.

An agency sees and writes only its own responses: asking for another agency's is answered as if it
did not exist (404), so not even its existence leaks. The QA sub-group reads them all.
"""
from __future__ import annotations

import uuid

from sqlalchemy import insert, select, update

from safeguard_shared.auth import Principal
from safeguard_shared.contracts.audits import ConcernRaised, ResponseSubmitted
from safeguard_shared.service import ServiceRuntime

from ..adapters.orm import concerns, responses
from ..adapters.repository import load_audit, lock
from ..domain.audit_tool import check_draft, check_submission, holds_no_information
from ..domain.errors import Forbidden, NotFound, OutOfOrder, RuleBroken
from .common import AGENCY_ROLES, is_qa, owe


def _visible(query, principal: Principal):
    if is_qa(principal):
        return query
    if not principal.has_any(AGENCY_ROLES):
        raise Forbidden(f"this needs one of the roles: qa_lead, business_unit, {', '.join(AGENCY_ROLES)}")
    return query.where(responses.c.agency == principal.agency)


def _out(row, questions: list[dict]) -> dict:
    return {"response_id": row["response_id"], "audit_id": row["audit_id"], "case_no": row["case_no"],
            "case_ref": row["case_ref"], "agency": row["agency"], "status": row["status"],
            "questions": questions, "answers": row["answers"], "impact_evidence": row["impact_evidence"],
            "submitted_on": row["submitted_on"]}


async def list_responses(runtime: ServiceRuntime, principal: Principal, audit_id: str) -> list[dict]:
    async with runtime.sessions() as session:
        audit = await load_audit(session, audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        query = _visible(select(responses).where(responses.c.audit_id == audit_id), principal)
        rows = (await session.execute(query.order_by(responses.c.case_no, responses.c.agency))).mappings().all()
    if not rows and not is_qa(principal):
        raise NotFound("no audit with that audit_id")  # not one this agency was asked to answer
    return [_out(r, audit.questions) for r in rows]


async def get_response(runtime: ServiceRuntime, principal: Principal, audit_id: str, response_id: str) -> dict:
    async with runtime.sessions() as session:
        row = (await session.execute(_visible(select(responses).where(
            responses.c.audit_id == audit_id, responses.c.response_id == response_id), principal))).mappings().first()
        if row is None:
            raise NotFound("no response with that response_id")
        audit = await load_audit(session, audit_id)
    return _out(row, audit.questions)


async def _own_for_update(session, principal: Principal, audit_id: str, response_id: str):
    if not principal.has_any(AGENCY_ROLES + ("admin",)):
        raise Forbidden("an agency's response is written by that agency (roles referrer, safeguarding_lead)")
    query = select(responses).where(responses.c.audit_id == audit_id, responses.c.response_id == response_id,
                                    responses.c.agency == principal.agency)
    row = (await session.execute(lock(session, query))).mappings().first()
    if row is None:
        raise NotFound("no response with that response_id")
    if row["status"] == "submitted":
        raise OutOfOrder(f"the response was submitted on {row['submitted_on']}; it cannot change")
    return row


async def save_draft(runtime: ServiceRuntime, principal: Principal, audit_id: str, response_id: str,
                     answers: dict[str, str], impact_evidence: str | None) -> dict:
    async with runtime.sessions() as session, session.begin():
        await _own_for_update(session, principal, audit_id, response_id)
        audit = await load_audit(session, audit_id)
        problems = check_draft(audit.questions, answers)
        if problems:
            raise RuleBroken(problems)
        await session.execute(update(responses).where(responses.c.response_id == response_id).values(
            status="draft", answers=answers, impact_evidence=impact_evidence, updated_at=runtime.clock.now(),
            updated_by=principal.subject))
    return await get_response(runtime, principal, audit_id, response_id)


async def submit(runtime: ServiceRuntime, principal: Principal, audit_id: str, response_id: str,
                 answers: dict[str, str] | None, impact_evidence: str | None) -> dict:
    """Submit the response — the draft, or the answers given now — once it is complete. A refusal lists
    every broken rule and changes nothing."""
    today = runtime.clock.today()
    async with runtime.sessions() as session, session.begin():
        row = await _own_for_update(session, principal, audit_id, response_id)
        audit = await load_audit(session, audit_id)
        if answers is None:
            answers, impact_evidence = dict(row["answers"]), row["impact_evidence"]
        problems = check_submission(audit.questions, answers, impact_evidence)
        if problems:
            raise RuleBroken(problems)
        await session.execute(update(responses).where(responses.c.response_id == response_id).values(
            status="submitted", answers=answers, impact_evidence=impact_evidence, submitted_on=today,
            updated_at=runtime.clock.now(), updated_by=principal.subject))
        await owe(runtime, session, [ResponseSubmitted(
            audit_id=audit_id, response_id=response_id, agency=row["agency"], case_no=row["case_no"],
            submitted_on=today, no_information_held=holds_no_information(audit.questions, answers))])
    runtime.relay.wake()
    return await get_response(runtime, principal, audit_id, response_id)


async def raise_concern(runtime: ServiceRuntime, principal: Principal, audit_id: str, *, agency_concerned: str,
                        concern: str, case_no: int | None, action_taken: str | None) -> dict:
    """An immediate safeguarding concern found while auditing: recorded on the audit, escalated at once."""
    concern_id, today, now = str(uuid.uuid4()), runtime.clock.today(), runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        audit = await load_audit(session, audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        if not is_qa(principal):
            # An agency auditor raises concerns on the audits its agency was asked to answer.
            mine = (await session.execute(_visible(select(responses.c.case_no).where(
                responses.c.audit_id == audit_id), principal))).scalars().all()
            if not mine:
                raise NotFound("no audit with that audit_id")
        if case_no is not None and not 1 <= case_no <= max(len(audit.cases), 1):
            raise RuleBroken.one(("body", "case_no"), f"the audit's sampled cases are numbered 1 to {len(audit.cases)}")
        await session.execute(insert(concerns).values(
            concern_id=concern_id, audit_id=audit_id, case_no=case_no, raised_by_agency=principal.agency,
            raised_by=principal.subject, agency_concerned=agency_concerned, concern=concern,
            action_taken=action_taken, raised_on=today, raised_at=now))
        await owe(runtime, session, [ConcernRaised(
            concern_id=concern_id, audit_id=audit_id, kind=audit.kind, raised_by_agency=principal.agency,
            agency_concerned=agency_concerned, raised_on=today, case_no=case_no, theme=audit.theme)])
    runtime.relay.wake()
    return {"concern_id": concern_id, "audit_id": audit_id, "case_no": case_no, "agency_concerned": agency_concerned,
            "raised_by_agency": principal.agency, "raised_on": today, "escalated": True}
