"""The audit dates the scheduling service's clock set (``macfa.audit_date``), one per audit.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "audit_dates",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("audit_on", sa.Date, nullable=False),
        sa.Column("deadline_id", sa.String(36), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_dates")
