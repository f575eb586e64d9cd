"""Audits, samples and the bus tables.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

from safeguard_shared.db.tables import bus_tables_migration_ops

revision = "0001"
down_revision = None


def upgrade() -> None:
    bus_tables_migration_ops(op, sa)
    op.create_table(
        "audits",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("qa_meeting_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "samples",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("population_digest", sa.String(64), nullable=False),
        sa.Column("population_size", sa.BigInteger, nullable=False),
        sa.Column("cases", sa.JSON, nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    for table in ("samples", "audits", "inbox", "outbox"):
        op.drop_table(table)
