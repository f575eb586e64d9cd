"""Events the scheduling service publishes (subject prefix ``scheduling.``)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from .envelope import Event, register

DeadlineStatus = Literal["pending", "due_soon", "met", "overdue", "paused", "waived"]


@register
class DeadlineScheduled(Event):
    """A statutory or local timescale started running for a case or an audit."""

    event_type = "scheduling.deadline.scheduled"
    schema_version = 1

    deadline_id: str
    key: str
    case_id: str | None = None
    audit_id: str | None = None
    agency: str | None = None
    due: date
    window_start: date | None = None
    status: DeadlineStatus = "pending"
