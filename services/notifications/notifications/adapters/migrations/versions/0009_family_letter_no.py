"""A letter to the family names its number in the case: its recipient and the business unit's words are
asked of the referrals service when it is sent (they are never stored here for a letter owed by version 2
of ``referrals.case.family_letter_owed``).

Revision ID: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("letter_no", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("letter_no")
