"""What the scheduling service's events set: every deadline and where it stands."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from safeguard_shared.contracts import scheduling as S

from ..adapters.orm import rm_deadlines
from ..adapters.read_models import Change
from .projection import business_date

DeadlineEvent = (S.DeadlineScheduled | S.DeadlineDueSoon | S.DeadlineMissed | S.DeadlineEscalated | S.DeadlineMet
                 | S.DeadlineChanged)


def _deadline(e: DeadlineEvent, **values: Any) -> Change:
    # Every deadline event carries the deadline's identity, so whichever arrives first makes a whole row.
    return Change(rm_deadlines, {"deadline_id": e.deadline_id, "key": e.key, "case_id": e.case_id,
                                 "audit_id": e.audit_id, "completion_id": e.completion_id, "agency": e.agency,
                                 "who_agency": e.who_agency, "due": e.due, **values})


def deadline_scheduled(e: S.DeadlineScheduled, at: datetime) -> list[Change]:
    # The rule's own words, as scheduled: a partnership's override of the rule shows in its reports.
    return [_deadline(e, target=e.target, status=e.status, scheduled_on=business_date(at),
                      description=e.description)]


def deadline_due_soon(e: S.DeadlineDueSoon, at: datetime) -> list[Change]:
    return [_deadline(e, status="due_soon")]


def deadline_missed(e: S.DeadlineMissed, at: datetime) -> list[Change]:
    return [_deadline(e, status="overdue", missed=True)]


def deadline_escalated(e: S.DeadlineEscalated, at: datetime) -> list[Change]:
    return [_deadline(e, status="overdue", missed=True, escalations=e.escalation,
                      working_days_overdue=e.working_days_overdue)]


def deadline_met(e: S.DeadlineMet, at: datetime) -> list[Change]:
    return [_deadline(e, status="met", met_on=e.met_on, on_time=e.on_time, working_days_late=e.working_days_late,
                      target_met=e.target_met, outside_window=e.outside_window)]


def deadline_changed(e: S.DeadlineChanged, at: datetime) -> list[Change]:
    return [_deadline(e, status=e.status)]
