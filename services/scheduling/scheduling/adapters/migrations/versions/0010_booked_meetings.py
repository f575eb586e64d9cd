"""The rapid review meeting as booked, for the calendar feeds (issue 13).

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "booked_meetings",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("case_ref", sa.String(40), nullable=False),
        sa.Column("agencies", sa.JSON, nullable=False),
        sa.Column("meeting_on", sa.Date, nullable=False),
        sa.Column("meeting_time", sa.String(5), nullable=True),
        sa.Column("booking", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("booked_meetings")
