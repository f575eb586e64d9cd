"""The audits service's own tables."""
from sqlalchemy import JSON, BigInteger, Column, Date, String, Table

from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()

audits = Table(
    "audits", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("theme", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("qa_meeting_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
)

samples = Table(
    "samples", metadata,
    Column("audit_id", String(36), primary_key=True),  # one draw per audit: once made, it is fixed
    Column("seed", BigInteger, nullable=False),
    Column("population_digest", String(64), nullable=False),
    Column("population_size", BigInteger, nullable=False),
    Column("cases", JSON, nullable=False),
    Column("drawn_at", UTCDateTime(), nullable=False),
    Column("drawn_by", String(200), nullable=False),
)
