"""Runs one step of a case's pathway: load the case (locked on PostgreSQL), let the domain check and
change it, then save the state, the history line and the events it owes — one transaction.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.auth import Principal
from safeguard_shared.contracts import Envelope, contract_for, parse
from safeguard_shared.contracts.referrals import (
    FamilyContact,
    FamilyLetterOwed,
    FinalReportReady,
    FindingsRecorded,
    MilestoneReached,
    PanelNotificationConfirmed,
    PanelResponded,
    RapidReviewDecided,
    Recommendation,
    RecommendationsPublished,
    ReviewPublished,
    SarDecided,
    SarDelayChanged,
    SarScreened,
    ScopingRequested,
)
from safeguard_shared.contracts.scheduling import DeadlineScheduled
from safeguard_shared.service import ServiceRuntime

from .adapters.orm import case_history, cases
from .domain.child_case import ChildCase, Owed
from .domain.sar_case import SarCase

AGGREGATES = {"child": ChildCase, "adult": SarCase}


class CaseNotFound(Exception):
    pass


def _events(case, owed: list[Owed], pathway: str = "child") -> list:
    out = []
    for item in owed:
        d = item.data
        if item.kind == "sar_screened":
            out.append(SarScreened(case_id=case.case_id, case_ref=case.case_ref,
                                   referring_agency=case.referring_agency, outcome=d["outcome"]))
        elif item.kind == "sar_decided":
            out.append(SarDecided(case_id=case.case_id, case_ref=case.case_ref, referring_agency=case.referring_agency,
                                  convene=d["convene"], decided_on=d["decided_on"]))
        elif item.kind == "sar_delay":
            out.append(SarDelayChanged(case_id=case.case_id, change=d["change"], reason=d["reason"]))
        elif item.kind == "family_letter":
            if case.family_contact:  # without a recorded contact there is nobody to write to yet
                out.append(FamilyLetterOwed(case_id=case.case_id, case_ref=case.case_ref, letter=d["letter"],
                                            recipient=FamilyContact(**case.family_contact), reason=d.get("reason"),
                                            update=d.get("update"), expected_sign_off_on=d.get("expected_sign_off_on")))
        elif item.kind == "findings_recorded":
            out.append(FindingsRecorded(case_id=case.case_id, pathway=pathway, findings=d["findings"],
                                        actions_taken=d["actions_taken"], not_implemented_reasons=d["not_implemented"]))
        elif item.kind == "milestone":
            out.append(MilestoneReached(case_id=case.case_id, fact=d["fact"], on=d["on"], agency=d.get("agency"),
                                        anchor=d.get("anchor"), reason=d.get("reason")))
        elif item.kind == "scoping_requested":
            out.append(ScopingRequested(case_id=case.case_id, case_ref=case.case_ref,
                                        referring_agency=case.referring_agency, agencies=d["agencies"],
                                        meeting_on=d["meeting_on"], window_start=d["window_start"],
                                        window_end=d["window_end"], outside_window=d["outside_window"]))
        elif item.kind == "panel_notification_confirmed":
            out.append(PanelNotificationConfirmed(
                case_id=case.case_id, case_ref=case.case_ref, referring_agency=case.referring_agency,
                received_on=case.received_on, became_aware_on=case.became_aware_on,
                involved_agencies=case.involved_agencies))
        elif item.kind == "rapid_review_decided":
            out.append(RapidReviewDecided(case_id=case.case_id, case_ref=case.case_ref,
                                          referring_agency=case.referring_agency, agencies=case.involved_agencies,
                                          decision=d["decision"], decided_on=d["decided_on"],
                                          safety_actions=d["safety_actions"], learning=d["learning"]))
        elif item.kind == "panel_responded":
            out.append(PanelResponded(case_id=case.case_id, response=d["response"]))
        elif item.kind == "final_report_ready":
            out.append(FinalReportReady(case_id=case.case_id, case_ref=case.case_ref, pathway=pathway,
                                        planned_publication_on=d["planned_publication_on"]))
        elif item.kind == "review_published":
            out.append(ReviewPublished(case_id=case.case_id, pathway=pathway, published_on=d["published_on"],
                                       in_full=d["in_full"]))
            if d["recommendations"]:
                out.append(RecommendationsPublished(case_id=case.case_id, pathway=pathway, recommendations=[
                    Recommendation(**r) for r in d["recommendations"]]))
        else:  # a new kind of step without a contract is a programming error, not bad input
            raise RuntimeError(f"no contract for owed event {item.kind}")
    return out


async def _load(session: AsyncSession, case_id: str):
    query = select(cases).where(cases.c.case_id == case_id)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()  # two steps on one case queue up instead of overwriting
    row = (await session.execute(query)).mappings().first()
    if row is None:
        raise CaseNotFound("no case with that case_id")
    return row


async def run_step(runtime: ServiceRuntime, principal: Principal, case_id: str, action: str,
                   step: Callable[[ChildCase, date], list[Owed]], detail: dict | None = None,
                   pathway: str = "child"):
    """Runs ``step`` on the case's aggregate (ChildCase or SarCase, by ``pathway``)."""
    today = runtime.clock.today()
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        row = await _load(session, case_id)
        if row["pathway"] != pathway:
            raise CaseNotFound(f"no {'children' if pathway == 'child' else 'SAR'} case with that case_id")
        case = AGGREGATES[pathway].from_state(row["state"])
        owed = step(case, today)
        await session.execute(update(cases).where(cases.c.case_id == case_id).values(
            state=case.to_state(), status=case.stage))
        await session.execute(insert(case_history).values(
            case_id=case_id, at=now, actor=principal.subject, agency=principal.agency, action=action,
            detail=detail or {}))
        for event in _events(case, owed, pathway):
            await runtime.outbox.add(session, event, occurred_at=now, correlation_id=case_id)
    runtime.relay.wake()
    return case


async def on_scheduling_event(session: AsyncSession, env: Envelope) -> None:
    """The clock counts the rapid review meeting's window; the case keeps it to check the date set."""
    if contract_for(env.event_type, env.schema_version) is None:
        return
    event = parse(env)
    if not isinstance(event, DeadlineScheduled) or event.key != "rr.meeting" or not event.case_id:
        return
    query = select(cases).where(cases.c.case_id == event.case_id)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    if row is None or row["pathway"] != "child" or event.window_start is None:
        return
    case = ChildCase.from_state(row["state"])
    case.learn_meeting_window(event.window_start, event.due)
    await session.execute(update(cases).where(cases.c.case_id == event.case_id).values(state=case.to_state()))


def new_recommendation_id() -> str:
    return str(uuid.uuid4())
