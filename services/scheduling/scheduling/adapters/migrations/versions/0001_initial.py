"""Occasions, deadlines, their history, and the bus tables.

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
        "occasions",
        sa.Column("occasion", sa.String(50), primary_key=True),
        sa.Column("process", sa.String(20), nullable=False),
        sa.Column("involved_agencies", sa.JSON, nullable=False),
        sa.Column("anchors", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deadlines",
        sa.Column("deadline_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("audit_id", sa.String(36), nullable=True),
        sa.Column("occasion", sa.String(50), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False, server_default=""),
        sa.Column("occurrence", sa.Integer, nullable=False, server_default="1"),
        sa.Column("anchor_name", sa.String(60), nullable=False),
        sa.Column("anchor_on", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("window_start", sa.Date, nullable=True),
        sa.Column("target", sa.Date, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("skipped", sa.JSON, nullable=False),
        sa.Column("who_agency", sa.String(60), nullable=True),
        sa.Column("who_role", sa.String(60), nullable=True),
        sa.Column("met_on", sa.Date, nullable=True),
        sa.Column("on_time", sa.Integer, nullable=True),
        sa.Column("working_days_late", sa.Integer, nullable=True),
        sa.Column("escalations", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_transition_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_on", sa.Date, nullable=True),
        sa.Column("status_reason", sa.Text, nullable=True),
        sa.Column("changed_by", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("key", "occasion", "agency", "occurrence", name="uq_deadline_occasion"),
    )
    op.create_index("ix_deadlines_case", "deadlines", ["case_id"])
    op.create_index("ix_deadlines_audit", "deadlines", ["audit_id"])
    op.create_index("ix_deadlines_next", "deadlines", ["next_transition_at"])
    op.create_index("ix_deadlines_status_due", "deadlines", ["status", "due"])
    op.create_table(
        "deadline_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("deadline_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_deadline_history_deadline", "deadline_history", ["deadline_id"])


def downgrade() -> None:
    for table in ("deadline_history", "deadlines", "occasions", "inbox", "outbox"):
        op.drop_table(table)
