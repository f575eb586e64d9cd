"""The notifications service's own tables: every message and its delivery state."""
from sqlalchemy import Column, Index, Integer, String, Table, Text

from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()

notifications = Table(
    "notifications", metadata,
    Column("notification_id", String(36), primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("case_id", String(36), nullable=True),
    Column("audit_id", String(36), nullable=True),
    Column("recipient_kind", String(40), nullable=False),
    Column("recipient_address", String(320), nullable=False),
    Column("agency", String(60), nullable=True),
    Column("template", String(80), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    # queued → sent | failed | in_doubt (see README: how an in-doubt send is resolved)
    Column("status", String(20), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500), nullable=True),
    Column("queued_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
)
Index("ix_notifications_case", notifications.c.case_id)
Index("ix_notifications_status", notifications.c.status)
