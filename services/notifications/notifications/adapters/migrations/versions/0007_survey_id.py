"""A training survey's message names its survey: its address and link are asked of the audits service
when it is sent (they are never stored here), and its sent or failed event names the survey.

Revision ID: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("survey_id", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("survey_id")
