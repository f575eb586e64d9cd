"""Calendar subscriptions: a secret feed address per person, revocable (issue 13).

Revision ID: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "calendar_subscriptions",
        sa.Column("subscription_id", sa.String(36), primary_key=True),
        sa.Column("secret_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False),
        sa.Column("roles", sa.String(300), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("agency_scope", sa.String(60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_calendar_subscriptions_subject", "calendar_subscriptions", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_calendar_subscriptions_subject", "calendar_subscriptions")
    op.drop_table("calendar_subscriptions")
