"""An audit keeps the day its report was presented to the QA sub-group, so the annual report counts
the audits that were reported in the year, not those planned to be.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("rm_audits") as table:
        table.add_column(sa.Column("reported_on", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("rm_audits") as table:
        table.drop_column("reported_on")
