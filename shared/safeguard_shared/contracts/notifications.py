"""Events the notifications service publishes (subject prefix ``notifications.``)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from .envelope import Event, register


@register
class NotificationSent(Event):
    """A message left the building (SMTP relay accepted it, or the .eml landed in the outbox)."""

    event_type = "notifications.notification.sent"
    schema_version = 1

    notification_id: str
    case_id: str | None = None
    audit_id: str | None = None
    recipient_kind: str
    template: str
    channel: Literal["smtp", "outbox"]
    agency: str | None = None  # the agency a per-agency message went to
    sent_on: date | None = None  # the business date it went (Europe/London)
