"""Agencies' responses to the audit tool, and immediate safeguarding concerns.

An agency sees and writes only its own responses: asking for another agency's is answered as if it
did not exist (404), so not even its existence leaks. The QA sub-group reads them all.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.contracts.audits import ConcernRaised, ResponseSubmitted
from safeguard_shared.db import select_for_update
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import concerns, responses
from ..adapters.repository import load_audit
from ..domain.audit import Audit
from ..domain.audit_tool import check_draft, check_submission, holds_no_information
from ..domain.errors import OutOfOrder, RuleBroken
from .access import AGENCY_ROLES, is_qa
from .errors import Forbidden, NotFound
from .queries import response_of, visible_responses


@dataclass(frozen=True)
class SaveDraft:
    audit_id: str
    response_id: str
    answers: dict[str, str]
    impact_evidence: str | None


@dataclass(frozen=True)
class Submit:
    """The final answers; None: the saved draft is submitted."""

    audit_id: str
    response_id: str
    answers: dict[str, str] | None
    impact_evidence: str | None


@dataclass(frozen=True)
class RaiseConcern:
    audit_id: str
    agency_concerned: str
    concern: str
    case_no: int | None
    action_taken: str | None


async def _own_for_update(session: AsyncSession, principal: Principal, audit_id: str,
                          response_id: str) -> tuple[Mapping[Any, Any], Audit]:
    if not principal.has_any(AGENCY_ROLES + ("admin",)):
        raise Forbidden("an agency's response is written by that agency (roles referrer, safeguarding_lead)")
    query = select(responses).where(responses.c.audit_id == audit_id, responses.c.response_id == response_id,
                                    responses.c.agency == principal.agency)
    row = (await select_for_update(session, query)).mappings().first()
    if row is None:
        raise NotFound("no response with that response_id")
    if row["status"] == "submitted":
        raise OutOfOrder(f"the response was submitted on {row['submitted_on']}; it cannot change")
    audit = await load_audit(session, audit_id)
    if audit is None:
        raise NotFound("no audit with that audit_id")
    return row, audit


async def save_draft(cmd: SaveDraft, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        _, audit = await _own_for_update(uow.session, principal, cmd.audit_id, cmd.response_id)
        problems = check_draft(audit.questions, cmd.answers)
        if problems:
            raise RuleBroken(problems)
        await uow.session.execute(update(responses).where(responses.c.response_id == cmd.response_id).values(
            status="draft", answers=cmd.answers, impact_evidence=cmd.impact_evidence, updated_at=uow.now(),
            updated_by=principal.subject))
        return await response_of(uow.session, principal, cmd.audit_id, cmd.response_id)


async def submit(cmd: Submit, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """Submit the response — the draft, or the answers given now — once it is complete. A refusal lists
    every broken rule and changes nothing."""
    async with uow:
        today = uow.clock.today()
        row, audit = await _own_for_update(uow.session, principal, cmd.audit_id, cmd.response_id)
        answers, impact_evidence = cmd.answers, cmd.impact_evidence
        if answers is None:
            answers, impact_evidence = dict(row["answers"]), row["impact_evidence"]
        problems = check_submission(audit.questions, answers, impact_evidence)
        if problems:
            raise RuleBroken(problems)
        await uow.session.execute(update(responses).where(responses.c.response_id == cmd.response_id).values(
            status="submitted", answers=answers, impact_evidence=impact_evidence, submitted_on=today,
            updated_at=uow.now(), updated_by=principal.subject))
        await uow.publish(ResponseSubmitted(
            audit_id=cmd.audit_id, response_id=cmd.response_id, agency=row["agency"], case_no=row["case_no"],
            submitted_on=today, no_information_held=holds_no_information(audit.questions, answers)))
        return await response_of(uow.session, principal, cmd.audit_id, cmd.response_id)


async def raise_concern(cmd: RaiseConcern, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """An immediate safeguarding concern found while auditing: recorded on the audit, escalated at once."""
    concern_id = str(uuid.uuid4())
    async with uow:
        today, now = uow.clock.today(), uow.now()
        audit = await load_audit(uow.session, cmd.audit_id)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        if not is_qa(principal):
            # An agency auditor raises concerns on the audits its agency was asked to answer.
            mine = (await uow.session.execute(visible_responses(select(responses.c.case_no).where(
                responses.c.audit_id == cmd.audit_id), principal))).scalars().all()
            if not mine:
                raise NotFound("no audit with that audit_id")
        if cmd.case_no is not None and not 1 <= cmd.case_no <= max(len(audit.cases), 1):
            raise RuleBroken.one(("body", "case_no"), f"the audit's sampled cases are numbered 1 to {len(audit.cases)}")
        await uow.session.execute(insert(concerns).values(
            concern_id=concern_id, audit_id=cmd.audit_id, case_no=cmd.case_no, raised_by_agency=principal.agency,
            raised_by=principal.subject, agency_concerned=cmd.agency_concerned, concern=cmd.concern,
            action_taken=cmd.action_taken, raised_on=today, raised_at=now))
        await uow.publish(ConcernRaised(
            concern_id=concern_id, audit_id=cmd.audit_id, kind=audit.kind, raised_by_agency=principal.agency,
            agency_concerned=cmd.agency_concerned, raised_on=today, case_no=cmd.case_no, theme=audit.theme))
    return {"concern_id": concern_id, "audit_id": cmd.audit_id, "case_no": cmd.case_no,
            "agency_concerned": cmd.agency_concerned, "raised_by_agency": principal.agency, "raised_on": today,
            "escalated": True}
