"""The outbox's set-aside columns: an event the broker will never take is set aside with its reason
and the events behind it are still published (safeguard_shared.bus.outbox).

Revision ID: 0007
"""
from safeguard_shared.db.tables import outbox_set_aside_migration

revision = "0007"
down_revision = "0006"
upgrade, downgrade = outbox_set_aside_migration()
