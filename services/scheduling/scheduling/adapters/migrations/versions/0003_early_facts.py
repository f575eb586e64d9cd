"""Facts that arrive before their case, audit or training completion is known are kept, not refused.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "early_facts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("occasion", sa.String(50), nullable=False),
        sa.Column("fact", sa.String(80), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("agency", sa.String(60), nullable=True),
        sa.Column("anchor", sa.String(60), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_early_facts_occasion", "early_facts", ["occasion"])


def downgrade() -> None:
    op.drop_index("ix_early_facts_occasion", "early_facts")
    op.drop_table("early_facts")
