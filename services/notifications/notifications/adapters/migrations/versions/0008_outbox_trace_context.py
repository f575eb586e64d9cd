"""The outbox keeps the trace context of the span that recorded each event (tracing off: empty).

Revision ID: 0008
"""
from safeguard_shared.db.tables import outbox_trace_context_migration

revision = "0008"
down_revision = "0007"

upgrade, downgrade = outbox_trace_context_migration()
