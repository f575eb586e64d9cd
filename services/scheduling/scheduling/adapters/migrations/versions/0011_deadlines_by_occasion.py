"""Deadlines found by their occasion: a fact recorded (a notice sent, a decision made) reads its case's
clocks through this index, instead of every open deadline of every case.

Revision ID: 0011
"""
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_index("ix_deadlines_occasion", "deadlines", ["occasion", "status"])


def downgrade() -> None:
    op.drop_index("ix_deadlines_occasion", table_name="deadlines")
