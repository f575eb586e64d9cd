"""A fresh store for one bench run: a SQLite file in a temporary folder, or a PostgreSQL database created
from an admin URL and dropped afterwards (the other benches' pattern, kept in one place for new ones)."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


@asynccontextmanager
async def scratch_store(postgres: str | None, tmp: Path, name: str) -> AsyncIterator[str]:
    """The SQLAlchemy URL of a new empty store named after ``name``."""
    import asyncpg

    if not postgres:
        yield f"sqlite+aiosqlite:///{tmp / f'{name}.sqlite3'}"
        return
    dbname = f"sg_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(postgres)
    await conn.execute(f'CREATE DATABASE "{dbname}"')
    await conn.close()
    try:
        yield postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + dbname
    finally:
        conn = await asyncpg.connect(postgres)
        await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await conn.close()
