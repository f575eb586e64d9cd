"""The outbox's set-aside columns: an event the broker will never take is set aside with its reason
and the events behind it are still published (safeguard_shared.bus.outbox).

Revision ID: 0004
"""
from safeguard_shared.db.tables import outbox_set_aside_migration

revision = "0004"
down_revision = "0003"
upgrade, downgrade = outbox_set_aside_migration()
