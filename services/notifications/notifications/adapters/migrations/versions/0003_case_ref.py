"""Each message keeps the reference of the case it is about, so that the business unit's alert about
a message that could not be delivered names the case in words (never its id).

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("case_ref", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("case_ref")
