"""The JSON the HTTP API answers with: one model per response, so the OpenAPI document has a schema.

Instants are written as Python's ``isoformat()`` (``2026-12-21T10:00:00+00:00``), as they always
were; pydantic's own form (``…Z``) would change the value outside tools compare.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, PlainSerializer

Instant = Annotated[datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json")]


class AttachmentOut(BaseModel):
    filename: str
    kind: str  # letter | document


class AttemptOut(BaseModel):
    attempt: int
    channel: str
    started_at: Instant
    ended_at: Instant | None
    outcome: str | None  # sent | already_delivered | retry | failed | in_doubt; null while sending
    code: int | None
    detail: str | None


class NotificationOut(BaseModel):
    """One message and how its delivery went. The business unit (and admin) also get what was sent,
    to whom, and each attempt: the fields from ``body`` on, absent for everyone else."""

    notification_id: str
    case_id: str | None
    audit_id: str | None
    recipient_kind: str
    agency: str | None
    template: str
    status: str
    route: str
    channel: str
    message_id: str
    attempts: int
    failure_reason: str | None
    queued_at: Instant
    next_attempt_at: Instant
    sending_at: Instant | None
    sent_at: Instant | None
    failed_at: Instant | None
    in_doubt_at: Instant | None
    subject: str
    pdf: bool
    body: str | None = None
    recipient_name: str | None = None
    recipient_address: str | None = None
    last_error: str | None = None
    last_code: int | None = None
    attachments: list[AttachmentOut] | None = None
    delivery_log: list[AttemptOut] | None = None
