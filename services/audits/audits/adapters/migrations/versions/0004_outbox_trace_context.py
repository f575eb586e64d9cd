"""The outbox keeps the trace context of the span that recorded each event (tracing off: empty).

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

from safeguard_shared.db.tables import outbox_trace_context_migration_ops

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    outbox_trace_context_migration_ops(op, sa)


def downgrade() -> None:
    outbox_trace_context_migration_ops(op, sa, up=False)
