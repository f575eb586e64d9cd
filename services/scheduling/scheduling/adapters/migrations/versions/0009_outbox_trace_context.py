"""The outbox keeps the trace context of the span that recorded each event (tracing off: empty).

Revision ID: 0009
"""
from safeguard_shared.db.tables import outbox_trace_context_migration

revision = "0009"
down_revision = "0008"

upgrade, downgrade = outbox_trace_context_migration()
