"""A training survey's due date comes from the scheduling service's event, after the import: it is
unknown (NULL) until then.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # SQLite cannot alter a column in place: the batch copies the table (its index comes along).
    with op.batch_alter_table("training_surveys") as batch:
        batch.alter_column("due_on", existing_type=sa.Date, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM training_surveys WHERE due_on IS NULL")
    with op.batch_alter_table("training_surveys") as batch:
        batch.alter_column("due_on", existing_type=sa.Date, nullable=False)
