"""A training completion's clocks carry its id in their own column, ``completion_id``, and their
occasion is "training:<id>"; before, the id sat in ``audit_id`` under "audit:<id>", which misled.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

# Training rules' keys begin "training."; a training completion's occasion has process "training".
TRAINING_ROWS = "key LIKE 'training.%'"


def upgrade() -> None:
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(sa.Column("completion_id", sa.String(36), nullable=True))
    op.create_index("ix_deadlines_completion", "deadlines", ["completion_id"])
    op.execute(f"UPDATE deadlines SET completion_id = audit_id, audit_id = NULL, "
               f"occasion = 'training:' || substr(occasion, 7) WHERE {TRAINING_ROWS} AND occasion LIKE 'audit:%'")
    op.execute("UPDATE occasions SET occasion = 'training:' || substr(occasion, 7) "
               "WHERE process = 'training' AND occasion LIKE 'audit:%'")


def downgrade() -> None:
    op.execute("UPDATE occasions SET occasion = 'audit:' || substr(occasion, 10) "
               "WHERE process = 'training' AND occasion LIKE 'training:%'")
    op.execute(f"UPDATE deadlines SET audit_id = completion_id, "
               f"occasion = 'audit:' || substr(occasion, 10) WHERE {TRAINING_ROWS} AND occasion LIKE 'training:%'")
    op.drop_index("ix_deadlines_completion", "deadlines")
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("completion_id")
