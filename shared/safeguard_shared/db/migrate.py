"""Run a service's Alembic migrations on its async engine, once, even with several replicas.

Alembic is about 10 MB of every process that imports it, and a store that is already up to date needs
none of it: ``upgrade`` first compares the store's ``alembic_version`` with the newest revision of the
migrations folder, read from the files themselves, and loads Alembic only when the store is behind.
``safeguard up`` migrates each store in a short-lived process before it starts the services
(``python -m safeguard_shared.db.migrate SERVICE``), so the services it keeps running never load
Alembic; a deployment can do the same as a step before it starts a new release.
"""
from __future__ import annotations

import ast
import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import is_postgres

if TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext

# Any constant works; it only has to be the same for every replica of every service.
_ADVISORY_LOCK = 72_410_001


def head_revision(script_location: Path) -> str | None:
    """The one revision of ``versions/`` that no other revises, or None if there is not exactly one
    (a branch, say: Alembic itself then decides)."""
    revises: dict[str, str | None] = {}
    for path in (Path(script_location) / "versions").glob("*.py"):
        found: dict[str, object] = {}
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:
                    return None
        if isinstance(found.get("revision"), str):
            down = found.get("down_revision")
            if down is not None and not isinstance(down, str):
                return None  # a merge revision
            revises[str(found["revision"])] = down
    heads = set(revises) - {down for down in revises.values() if down}
    return heads.pop() if len(heads) == 1 else None


async def _current_revision(engine: AsyncEngine) -> str | None:
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except Exception:  # no table yet: a new store
        return None
    return rows[0][0] if len(rows) == 1 else None


async def up_to_date(engine: AsyncEngine, script_location: Path) -> bool:
    head = head_revision(script_location)
    return head is not None and await _current_revision(engine) == head


async def upgrade(engine: AsyncEngine, script_location: Path, revision: str = "head") -> bool:
    """Migrate to ``revision`` (the newest unless a test of a migration stops short of it); False
    when the store was already at the newest revision and Alembic was not needed."""
    if revision == "head" and await up_to_date(engine, script_location):
        return False
    async with engine.begin() as conn:
        if is_postgres(engine):
            # Two replicas starting together would otherwise both try to create the tables.
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})"))
        await conn.run_sync(_upgrade, str(script_location), revision)
    return True


def _upgrade(sync_conn: Connection, script_location: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

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


def migrations_of(service: str) -> Path | None:
    """A service's migrations folder (``<package>/adapters/migrations``, the skeleton every service
    keeps), found without importing the service; None for one with no store to migrate."""
    spec = importlib.util.find_spec(service)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "adapters" / "migrations"
    return folder if (folder / "versions").is_dir() else None


async def _migrate(service: str) -> str:
    from ..settings import ServiceSettings
    from .engine import create_engine

    folder = migrations_of(service)
    if folder is None:
        return f"{service}: no store to migrate"
    engine = create_engine(ServiceSettings.for_service(service, 0).resolved_database_url())
    try:
        if not await upgrade(engine, folder):
            return f"{service}: store up to date"
        return f"{service}: store migrated to {head_revision(folder) or 'head'}"
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    """``python -m safeguard_shared.db.migrate SERVICE``: migrate the store the service's environment
    names (``<SERVICE>_DATABASE_URL``, else its SQLite file in the data folder), then exit."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m safeguard_shared.db.migrate SERVICE\n")
        return 2
    sys.stdout.write(asyncio.run(_migrate(argv[0])) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
