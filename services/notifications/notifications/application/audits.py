"""The quality-assurance messages the audits service's events owe: the case file audit template, the
programme, immediate concerns, and overdue or escalated actions."""
from __future__ import annotations

from safeguard_shared.contracts.audits import (
    ActionEscalated,
    ActionOverdue,
    AuditToolSent,
    ConcernRaised,
    InvitationsSent,
    TrainingSurveyDue,
)
from safeguard_shared.unit_of_work import UnitOfWork

from ..domain import messages
from ..domain.messages import Invitee
from .deadlines import audit_date
from .outgoing import Outgoing, queue_all


def _theme(theme: str | None, kind: str) -> str:
    return theme or f"{kind} case file audit"


async def when_the_audit_template_is_due_send_it_to_each_agency_audit_lead(
        event: AuditToolSent, uow: UnitOfWork, outgoing: Outgoing) -> None:
    # Agencies return the template by the audit itself, on the date the clock set for it
    # (macfa.audit_date); until that date is known here the event is tried again (README).
    audit_on = await audit_date(uow, event.audit_id)
    owed = messages.when_the_audit_template_is_due_send_it_to_each_agency_audit_lead(
        event.audit_id, _theme(event.theme, event.kind), audit_on, audit_on,
        {agency: [] for agency in event.agencies})
    await queue_all(uow, owed, outgoing, audit_id=event.audit_id)


async def when_the_audit_programme_is_due_send_it_to_each_invitee(
        event: InvitationsSent, uow: UnitOfWork, outgoing: Outgoing) -> None:
    owed = messages.when_the_audit_programme_is_due_send_it_to_each_invitee(
        event.audit_id, _theme(None, event.kind), event.held_on,
        "as set out in the partnership's safeguarding workspace",
        [(f"{p.starts_at}–{p.ends_at}", p.item) for p in event.programme],
        [Invitee(i.agency, (f"{i.required_from}–{i.required_until} ({i.role})",)) for i in event.invitees])
    await queue_all(uow, owed, outgoing, audit_id=event.audit_id)


async def when_an_immediate_concern_is_found_escalate_it(
        event: ConcernRaised, uow: UnitOfWork, outgoing: Outgoing) -> None:
    owed = messages.when_an_immediate_concern_is_found_escalate_it(
        event.audit_id, event.concern_id, event.agency_concerned,
        f"sampled case {event.case_no}" if event.case_no else "named in the audit record",
        event.raised_on, _theme(event.theme, event.kind))
    await queue_all(uow, owed, outgoing, audit_id=event.audit_id)


async def when_an_action_is_overdue_chase_its_owning_agency(
        event: ActionOverdue, uow: UnitOfWork, outgoing: Outgoing) -> None:
    await _chase(event, uow, outgoing)


async def when_an_action_is_escalated_chase_its_owning_agency(
        event: ActionEscalated, uow: UnitOfWork, outgoing: Outgoing) -> None:
    await _chase(event, uow, outgoing, escalation=event.escalation, days_overdue=event.days_overdue)


async def _chase(event: ActionOverdue | ActionEscalated, uow: UnitOfWork, outgoing: Outgoing, *,
                 escalation: int = 0, days_overdue: int = 0) -> None:
    owed = messages.when_a_deadline_nears_or_passes_tell_whoever_must_act(
        event.action_id, "escalated" if escalation else "missed", event.owning_agency, escalation)
    context = {"duty": "an action in the action plan", "due": event.due_on or "not set",
               "agency": event.owning_agency, "case_ref": event.case_ref,
               "occasion": "the multi-agency case file audit" if event.audit_id else (
                   f"partnership case {event.case_ref}" if event.case_ref else "your case"),
               "escalation": escalation, "working_days_overdue": days_overdue}
    await queue_all(uow, owed, outgoing, audit_id=event.audit_id, case_id=event.case_id, context=context)


async def when_a_training_survey_is_due_write_to_its_recipient(
        event: TrainingSurveyDue, uow: UnitOfWork, outgoing: Outgoing) -> None:
    # No address travels: the dispatcher asks the audits service for it, and the link, when it sends.
    owed = messages.when_a_training_survey_is_due_write_to_its_recipient(
        event.survey_id, event.survey, event.recipient, event.agency, event.course, event.training_completed_on)
    await queue_all(uow, owed, outgoing)
