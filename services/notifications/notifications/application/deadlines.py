"""What the clock's (scheduling's) events mean here: reminders and escalations to whoever must act,
and the audit dates the clock set, kept so that the audit template can say them."""
from __future__ import annotations

from datetime import date

from safeguard_shared.bus.dispatch import acts_only_on
from safeguard_shared.contracts.scheduling import (
    DeadlineChanged,
    DeadlineDueSoon,
    DeadlineEscalated,
    DeadlineMissed,
    DeadlineScheduled,
)
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import audit_dates
from ..domain import messages
from .outgoing import Outgoing, queue_all

AUDIT_DATE = "macfa.audit_date"  # the rule key of the audit itself (4 weeks before the QA sub-group)


class AuditDateNotKnownYet(Exception):
    """The clock has not told this service the audit's date yet. Raised from an event handler, it makes
    the consumer try the event again later (with back-off), by when the date has normally arrived."""


async def when_a_deadline_is_due_soon_remind_whoever_must_act(
        event: DeadlineDueSoon, uow: UnitOfWork, outgoing: Outgoing) -> None:
    await _tell_whoever_must_act(event, "due_soon", uow, outgoing)


async def when_a_deadline_is_missed_tell_whoever_must_act(
        event: DeadlineMissed, uow: UnitOfWork, outgoing: Outgoing) -> None:
    await _tell_whoever_must_act(event, "missed", uow, outgoing)


async def when_a_deadline_is_escalated_tell_whoever_must_act(
        event: DeadlineEscalated, uow: UnitOfWork, outgoing: Outgoing) -> None:
    await _tell_whoever_must_act(event, "escalated", uow, outgoing, escalation=event.escalation,
                                 working_days_overdue=event.working_days_overdue)


async def _tell_whoever_must_act(event: DeadlineDueSoon | DeadlineMissed | DeadlineEscalated, transition: str,
                                 uow: UnitOfWork, outgoing: Outgoing, *, escalation: int = 0,
                                 working_days_overdue: int = 0) -> None:
    context = {"duty": event.description or "a deadline in the review", "due": event.due, "agency": event.agency,
               "case_ref": event.case_ref, "occasion": _occasion(event), "escalation": escalation,
               "working_days_overdue": working_days_overdue}
    owed = messages.when_a_deadline_nears_or_passes_tell_whoever_must_act(
        event.deadline_id, transition, event.who_agency, escalation)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, audit_id=event.audit_id, context=context)


def _an_audit_date(event: DeadlineScheduled | DeadlineChanged) -> bool:
    return event.key == AUDIT_DATE and event.audit_id is not None


@acts_only_on(_an_audit_date)
async def when_an_audit_date_is_set_remember_it(event: DeadlineScheduled | DeadlineChanged, uow: UnitOfWork) -> None:
    """Keep the date the clock set for each audit (and its latest move), for the letters that name it."""
    if not _an_audit_date(event) or event.audit_id is None:  # (the second for the type checker)
        return
    await audit_dates.remember(uow.session, event.audit_id, event.due, event.deadline_id)


async def audit_date(uow: UnitOfWork, audit_id: str) -> date:
    """The audit's date as the clock set it; ``AuditDateNotKnownYet`` until its deadline arrives."""
    found = await audit_dates.find(uow.session, audit_id)
    if found is None:
        raise AuditDateNotKnownYet(f"no {AUDIT_DATE} deadline for audit {audit_id} yet")
    return found


def _occasion(event: DeadlineDueSoon | DeadlineMissed | DeadlineEscalated) -> str:
        # In words: the case's reference when the event carries it, else "your case" (never an id).
    if event.case_id:
        return f"partnership case {event.case_ref}" if event.case_ref else "your case"
    if event.audit_id or not event.completion_id:
        return "the multi-agency case file audit"
    return "a member of your staff's safeguarding training"
