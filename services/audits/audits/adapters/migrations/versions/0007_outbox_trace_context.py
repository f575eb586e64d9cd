"""The outbox keeps the trace context of the span that recorded each event (tracing off: empty).

Revision ID: 0007
"""
from safeguard_shared.db.tables import outbox_trace_context_migration

revision = "0007"
down_revision = "0006"

upgrade, downgrade = outbox_trace_context_migration()
