"""An event the broker will never take is set aside in the outbox, with its reason, so the events
behind it are still published (safeguard_shared.bus.outbox).

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

from safeguard_shared.db.tables import outbox_set_aside_downgrade_ops, outbox_set_aside_migration_ops

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    outbox_set_aside_migration_ops(op, sa)


def downgrade() -> None:
    outbox_set_aside_downgrade_ops(op)
