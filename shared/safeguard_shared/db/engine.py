"""Async engines for a service's own store: SQLite (embedded default) or PostgreSQL."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def normalise_url(url: str) -> str:
    # People write postgresql://…; the async store needs a driver named.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def is_postgres(engine_or_url: AsyncEngine | str) -> bool:
    url = str(getattr(engine_or_url, "url", engine_or_url))
    return url.startswith("postgresql")


def create_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            # WAL lets the outbox relay read while a request writes; synchronous=FULL keeps a
            # committed referral on disk before we answer 201.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # A lock wait or a transaction left open by a crashed task fails after a while instead of holding
    # every other writer (and a service's shutdown) forever; the consumer retries what failed.
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args={
        "server_settings": {"lock_timeout": "15000", "idle_in_transaction_session_timeout": "60000"}})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's own INSERT (with ON CONFLICT support) for the session's database."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
