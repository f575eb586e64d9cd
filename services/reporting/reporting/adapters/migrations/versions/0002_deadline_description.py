"""A deadline keeps the scheduling rule's description of its duty, and a training follow-up's
completion id (scheduling carried it in ``audit_id`` before).

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("rm_deadlines") as table:
        table.add_column(sa.Column("completion_id", sa.String(36)))
        table.add_column(sa.Column("description", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("rm_deadlines") as table:
        table.drop_column("description")
        table.drop_column("completion_id")
