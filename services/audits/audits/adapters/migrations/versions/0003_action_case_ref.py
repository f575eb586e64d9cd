"""An action from a review's recommendations keeps the case's reference, for the events about it.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("actions", sa.Column("case_ref", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("actions", "case_ref")
