"""An occasion keeps its case's reference, for the events about its deadlines.

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("occasions", sa.Column("case_ref", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("occasions", "case_ref")
