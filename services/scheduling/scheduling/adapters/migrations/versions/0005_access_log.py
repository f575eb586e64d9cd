"""The access log (safeguard_shared.access_log): who read which case or audit, and when, hash-chained.

Revision ID: 0005
"""
from alembic import op

from safeguard_shared.access_log import access_log_migration_ops

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    access_log_migration_ops(op)


def downgrade() -> None:
    op.drop_table("access_log")
