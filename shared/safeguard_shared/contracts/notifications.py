"""Events the notifications service publishes (subject prefix ``notifications.``).

Like every event, these carry ids and facts only: never an address, a name or the text of a
relay's reply (which can quote the address it refused).
"""
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
    # email: to the recipient. post / held: a letter handed to the business unit, to print and post
    # or to check against a contact restriction first — the recipient does not have it yet.
    route: Literal["email", "post", "held"] = "email"
    # A training survey's message (audits.training.survey_due): the survey it was for.
    survey_id: str | None = None


@register
class NotificationFailed(Event):
    """A message could not be delivered and will not be tried again: the relay refused it for good
    (an SMTP 5xx reply to the recipient or the message), or every attempt the partnership allows
    failed for a temporary reason. The business unit is alerted by a message of its own."""

    event_type = "notifications.notification.failed"
    schema_version = 1

    notification_id: str
    case_id: str | None = None
    audit_id: str | None = None
    recipient_kind: str
    template: str
    channel: Literal["smtp", "outbox"]
    agency: str | None = None
    reason: Literal["rejected", "attempts_exhausted"]
    smtp_code: int | None = None  # the relay's last reply code, when it gave one
    attempts: int
    failed_on: date | None = None  # the business date it was given up (Europe/London)
    survey_id: str | None = None  # a training survey's message: the survey it was for
