"""Notifications, their attachments, the delivery log, reads, and the bus tables.

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
        sa.Column("recipient_name", sa.String(200), nullable=True),
        sa.Column("recipient_address", sa.String(320), nullable=False),
        sa.Column("agency", sa.String(60), nullable=True),
        sa.Column("template", sa.String(80), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("route", sa.String(10), nullable=False, server_default="email"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("last_code", sa.Integer, nullable=True),
        sa.Column("failure_reason", sa.String(30), nullable=True),
        sa.Column("claim_token", sa.String(36), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("in_doubt_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notifications_case", "notifications", ["case_id"])
    op.create_index("ix_notifications_audit", "notifications", ["audit_id"])
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])
    op.create_table(
        "notification_attachments",
        sa.Column("notification_id", sa.String(36), sa.ForeignKey("notifications.notification_id"),
                  primary_key=True),
        sa.Column("filename", sa.String(120), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "notification_attempts",
        sa.Column("notification_id", sa.String(36), sa.ForeignKey("notifications.notification_id"),
                  primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("code", sa.Integer, nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
    )
    op.create_table(
        "message_reads",
        sa.Column("read_id", sa.String(36), primary_key=True),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("what", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_message_reads_notification", "message_reads", ["notification_id"])


def downgrade() -> None:
    for table in ("message_reads", "notification_attempts", "notification_attachments", "notifications",
                  "inbox", "outbox"):
        op.drop_table(table)
