"""Notifications and the bus tables.

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
        "notifications",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("audit_id", sa.String(36), nullable=True),
        sa.Column("recipient_kind", sa.String(40), nullable=False),
        sa.Column("recipient_address", sa.String(320), nullable=False),
        sa.Column("agency", sa.String(60), nullable=True),
        sa.Column("template", sa.String(80), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notifications_case", "notifications", ["case_id"])
    op.create_index("ix_notifications_status", "notifications", ["status"])


def downgrade() -> None:
    for table in ("notifications", "inbox", "outbox"):
        op.drop_table(table)
