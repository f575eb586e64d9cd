"""The outbox and inbox tables every service keeps in its own database."""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from .types import UTCDateTime

if TYPE_CHECKING:  # Alembic is loaded only to migrate, never by a service whose store is up to date.
    from alembic.operations import Operations

TRACE_CONTEXT_LENGTH = 100  # a traceparent is 55 characters


def add_bus_tables(metadata: MetaData) -> tuple[Table, Table]:
    outbox = Table(
        "outbox", metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", String(500), nullable=True),
        # An event the broker will never take (too large, not permitted) is set aside here, with why,
        # so the events behind it are published (bus/outbox.py, OutboxRelay).
        Column("set_aside_at", UTCDateTime(), nullable=True),
        Column("set_aside_reason", String(500), nullable=True),
        # The W3C traceparent of the span that recorded the event (tracing on), so that its trace goes
        # on through the relay's publish (safeguard_shared/tracing.py).
        Column("trace_context", String(TRACE_CONTEXT_LENGTH), nullable=True),
    )
    Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.seq)
    inbox = Table(
        "inbox", metadata,
        Column("consumer", String(120), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("handled_at", UTCDateTime(), nullable=False),
    )
    return outbox, inbox


def bus_tables_migration_ops(op: Operations | ModuleType, sa: ModuleType) -> None:
    # Migrations pass Alembic's `op` module, a proxy of Operations.
    """The first migration of every service creates these two tables with this helper."""
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500), nullable=True),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "seq"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )


def outbox_set_aside_migration() -> tuple[Callable[[], None], Callable[[], None]]:
    """``upgrade`` and ``downgrade`` of the migration, in every service, that adds the outbox's
    set-aside columns (bus/outbox.py)."""
    import sqlalchemy as sa
    from alembic import op

    def upgrade() -> None:
        with op.batch_alter_table("outbox") as table:
            table.add_column(sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=True))
            table.add_column(sa.Column("set_aside_reason", sa.String(500), nullable=True))

    def downgrade() -> None:
        with op.batch_alter_table("outbox") as table:
            table.drop_column("set_aside_reason")
            table.drop_column("set_aside_at")

    return upgrade, downgrade


def outbox_trace_context_migration() -> tuple[Callable[[], None], Callable[[], None]]:
    """``upgrade`` and ``downgrade`` of the migration, in every service, that adds the outbox's
    ``trace_context`` column (tracing.py)."""
    import sqlalchemy as sa
    from alembic import op

    def upgrade() -> None:
        with op.batch_alter_table("outbox") as table:
            table.add_column(sa.Column("trace_context", sa.String(TRACE_CONTEXT_LENGTH), nullable=True))

    def downgrade() -> None:
        with op.batch_alter_table("outbox") as table:
            table.drop_column("trace_context")

    return upgrade, downgrade
