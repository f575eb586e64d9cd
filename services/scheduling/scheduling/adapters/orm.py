"""The scheduling service's own tables."""
from sqlalchemy import JSON, Column, Date, Index, String, Table, Text, UniqueConstraint

from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()

deadlines = Table(
    "deadlines", metadata,
    Column("deadline_id", String(36), primary_key=True),
    Column("key", String(80), nullable=False),
    Column("case_id", String(36), nullable=True),
    Column("audit_id", String(36), nullable=True),
    # "case:<id>" or "audit:<id>": never NULL, so the uniqueness below holds on every database.
    Column("occasion", String(50), nullable=False),
    Column("agency", String(60), nullable=False, default=""),
    Column("anchor_on", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("window_start", Date, nullable=True),
    Column("status", String(20), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("skipped", JSON, nullable=False),
    Column("met_on", Date, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("key", "occasion", "agency", name="uq_deadline_occasion"),
)
Index("ix_deadlines_case", deadlines.c.case_id)
Index("ix_deadlines_audit", deadlines.c.audit_id)
Index("ix_deadlines_due", deadlines.c.status, deadlines.c.due)
