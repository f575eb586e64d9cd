"""Read models, built only from events. Nothing here identifies a child or an adult: events never
carry names, references or dates of birth, and these tables have no column that could hold one."""
from sqlalchemy import Column, Date, String, Table

from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()

rm_cases = Table(
    "rm_cases", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("pathway", String(10), nullable=False),
    Column("stage", String(40), nullable=False),
    Column("referring_agency", String(60), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
)

rm_deadlines = Table(
    "rm_deadlines", metadata,
    Column("deadline_id", String(36), primary_key=True),
    Column("key", String(80), nullable=False),
    Column("case_id", String(36), nullable=True),
    Column("audit_id", String(36), nullable=True),
    Column("agency", String(60), nullable=True),
    Column("due", Date, nullable=False),
    Column("status", String(20), nullable=False),
)

rm_notifications = Table(
    "rm_notifications", metadata,
    Column("notification_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=True),
    Column("audit_id", String(36), nullable=True),
    Column("recipient_kind", String(40), nullable=False),
    Column("template", String(80), nullable=False),
)

rm_audits = Table(
    "rm_audits", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("theme", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("qa_meeting_on", Date, nullable=False),
    Column("stage", String(40), nullable=False),
)
