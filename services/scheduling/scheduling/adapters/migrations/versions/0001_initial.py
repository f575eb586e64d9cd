"""Deadlines and the bus tables.

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
        "deadlines",
        sa.Column("deadline_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("audit_id", sa.String(36), nullable=True),
        sa.Column("occasion", sa.String(50), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False, server_default=""),
        sa.Column("anchor_on", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("window_start", sa.Date, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("skipped", sa.JSON, nullable=False),
        sa.Column("met_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("key", "occasion", "agency", name="uq_deadline_occasion"),
    )
    op.create_index("ix_deadlines_case", "deadlines", ["case_id"])
    op.create_index("ix_deadlines_audit", "deadlines", ["audit_id"])
    op.create_index("ix_deadlines_due", "deadlines", ["status", "due"])


def downgrade() -> None:
    for table in ("deadlines", "inbox", "outbox"):
        op.drop_table(table)
