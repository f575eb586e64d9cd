"""Read models and the bus tables.

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
        "rm_cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("pathway", sa.String(10), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("referring_agency", sa.String(60), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rm_deadlines",
        sa.Column("deadline_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("audit_id", sa.String(36), nullable=True),
        sa.Column("agency", sa.String(60), nullable=True),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "rm_notifications",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("audit_id", sa.String(36), nullable=True),
        sa.Column("recipient_kind", sa.String(40), nullable=False),
        sa.Column("template", sa.String(80), nullable=False),
    )
    op.create_table(
        "rm_audits",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("qa_meeting_on", sa.Date, nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in ("rm_audits", "rm_notifications", "rm_deadlines", "rm_cases", "inbox", "outbox"):
        op.drop_table(table)
