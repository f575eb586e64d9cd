"""Run a service's Alembic migrations on its async engine, once, even with several replicas."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import is_postgres

# Any constant works; it only has to be the same for every replica of every service.
_ADVISORY_LOCK = 72_410_001


async def upgrade(engine: AsyncEngine, script_location: Path, revision: str = "head") -> None:
    """Migrate to ``revision`` (the newest unless a test of a migration stops short of it)."""
    async with engine.begin() as conn:
        if is_postgres(engine):
            # Two replicas starting together would otherwise both try to create the tables.
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})"))
        await conn.run_sync(_upgrade, str(script_location), revision)


def _upgrade(sync_conn: Connection, script_location: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, revision)


def run_env(context: EnvironmentContext | ModuleType, target_metadata: MetaData | None = None) -> None:
    # Alembic hands env.py its context as the module ``alembic.context``, a proxy of EnvironmentContext.
    """Body of every service's ``migrations/env.py``: migrate on the connection we were handed."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through safeguard_shared.db.migrate.upgrade, not the CLI")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
