"""A message keeps the trace context of the handling that queued it, so that its sending (SMTP or the
``.eml`` folder) is part of the trace of the event that owed it (tracing off: empty).

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

from safeguard_shared.db.tables import TRACE_CONTEXT_LENGTH

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("trace_context", sa.String(TRACE_CONTEXT_LENGTH), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("trace_context")
