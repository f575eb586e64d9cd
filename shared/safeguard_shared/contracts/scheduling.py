"""Events the scheduling service publishes (subject prefix ``scheduling.``).

Each says who must act (``who_agency``, ``who_role``) so the notifications service can reach them,
and carries no identifying detail: a deadline is named by its rule key and its case or audit id.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from .envelope import Event, register

# "closed": the pathway the duty hung on ended (a SAR screened out or not convened): neither met nor missed.
DeadlineStatus = Literal["pending", "due_soon", "met", "overdue", "paused", "waived", "closed"]


class _DeadlineEvent(Event):
    deadline_id: str
    key: str
    case_id: str | None = None
    # The partnership's case reference, for the letters that name the case (optional: a deadline
    # event without it is written as "your case").
    case_ref: str | None = None
    audit_id: str | None = None
    # A training follow-up's clock belongs to a training completion, not to an audit.
    completion_id: str | None = None
    # The duty in plain words, from the rule itself, so a partnership's override of a rule changes the
    # wording everywhere it is shown (reports, letters) and nobody reads a rule key.
    description: str | None = None
    agency: str | None = None
    due: date
    who_agency: str | None = None
    who_role: str | None = None


@register
class DeadlineScheduled(_DeadlineEvent):
    """A statutory or local timescale started running for a case or an audit."""

    event_type = "scheduling.deadline.scheduled"
    schema_version = 1

    window_start: date | None = None
    target: date | None = None
    status: DeadlineStatus = "pending"


@register
class DeadlineDueSoon(_DeadlineEvent):
    """The reminder: the due date is within the partnership's lead time."""

    event_type = "scheduling.deadline.due_soon"
    schema_version = 1


@register
class DeadlineMissed(_DeadlineEvent):
    """The due day ended (Europe/London) without the deadline being met: it is now overdue."""

    event_type = "scheduling.deadline.missed"
    schema_version = 1


@register
class DeadlineEscalated(_DeadlineEvent):
    """Still overdue: the n-th escalation, repeated at the partnership's interval."""

    event_type = "scheduling.deadline.escalated"
    schema_version = 1

    escalation: int
    working_days_overdue: int


@register
class DeadlineMet(_DeadlineEvent):
    """What the deadline asked for was recorded: on time, or late by some working days."""

    event_type = "scheduling.deadline.met"
    schema_version = 1

    met_on: date
    on_time: bool
    working_days_late: int = 0
    target_met: bool | None = None
    outside_window: bool = False


@register
class DeadlineChanged(_DeadlineEvent):
    """Paused, resumed, waived, moved (its anchor moved) or closed (its pathway ended), with the reason."""

    event_type = "scheduling.deadline.changed"
    schema_version = 1

    change: Literal["paused", "resumed", "waived", "moved", "closed"]
    status: DeadlineStatus
    previous_due: date | None = None
    reason: str
    by: str | None = None
