"""Async engines for a service's own store: SQLite (embedded default) or PostgreSQL."""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, Result, Select, Table, event, make_url, text
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from . import sqlite


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
        # One connection, so requests and consumers wait their turn for the store in order, in the event
        # loop. SQLite lets one writer in at a time anyway; with a connection each, the others waited
        # in SQLite's busy handler, which polls with sleeps of up to 100 ms and lets a newcomer in ahead
        # of one that has waited for seconds (the intake's p99 under 16 clients was seconds: see
        # bench/e2e_throughput.py and docs/observability.md). A session holds the connection until it
        # ends, so no code opens a second session while it holds one. Sessions get the connection in
        # the order they asked for it (sqlite.py).
        # The connection runs its statements on the event loop's thread (sqlite.py).
        args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
        engine = create_async_engine(url, module=sqlite.InlineDBAPI(),
                                     async_creator=lambda: sqlite.connect(*args, **kwargs),
                                     poolclass=sqlite.ArrivalOrderPool, pool_size=1, max_overflow=0, pool_timeout=60)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            # WAL lets the outbox relay read while a request writes; synchronous=FULL keeps a
            # committed referral on disk before we answer 201.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=0")  # a statement that meets a lock is tried again (sqlite.py)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # A lock wait or a transaction left open by a crashed task fails after a while instead of holding
    # every other writer (and a service's shutdown) forever; the consumer retries what failed.
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args={
        "server_settings": {"lock_timeout": "15000", "idle_in_transaction_session_timeout": "60000"}})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_insert(session: AsyncSession, table: Table) -> PgInsert | SqliteInsert:
    """The session's own dialect's INSERT into ``table``, which knows ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` on both stores."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def insert_if_new(session: AsyncSession, table: Table, unique: Sequence[str], *,
                  returning: Sequence[str] = ()) -> Executable:
    """``INSERT … ON CONFLICT (unique) DO NOTHING [RETURNING …]`` into ``table`` on the session's store,
    made once per table and store: its values go as parameters at each execution, so SQLAlchemy's cache
    finds it compiled instead of building the statement and its key again (as long as running it)."""
    return _insert_if_new(session.get_bind().dialect.name == "postgresql", table, tuple(unique), tuple(returning))


@functools.cache
def _insert_if_new(postgres: bool, table: Table, unique: tuple[str, ...],
                   returning: tuple[str, ...]) -> Executable:
    statement = (pg_insert(table) if postgres else sqlite_insert(table)).on_conflict_do_nothing(
        index_elements=list(unique))
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


async def select_for_update(session: AsyncSession, query: Select[Any], params: Mapping[str, Any] | None = None, *,
                            skip_locked: bool = False) -> Result[Any]:
    """Rows this transaction is about to change, safe from a concurrent writer until it commits.

    PostgreSQL locks the rows (``FOR UPDATE``; with ``skip_locked`` a replica passes over rows another is
    working on). SQLite has no row locks, and its driver begins a transaction only at the first write, so
    a plain read could see a state that another writer replaces before this one writes: a lost update.
    There the store's write lock is taken first, by a write that changes nothing (every service's store
    has the outbox table), and the rows are read under it.
    """
    if session.get_bind().dialect.name == "postgresql":
        locked: Result[Any] = await session.execute(query.with_for_update(skip_locked=skip_locked), params)
        return locked
    await _sqlite_write_lock(session)
    rows: Result[Any] = await session.execute(query, params)
    return rows


# The key space of ``one_writer_at_a_time``: PostgreSQL keeps two-key advisory locks apart from the
# one-key ones (the migrations' lock, referrals' per-name locks), so these never meet those.
_SERIAL_KEYSPACE = 72_410


async def one_writer_at_a_time(session: AsyncSession, lock: int) -> None:
    """Until this transaction ends, every other transaction asking for the same ``lock`` waits: for
    appends that must see the row written just before them (a hash chain), on one store shared by
    several replicas. PostgreSQL takes a transaction-scoped advisory lock; SQLite its store-wide
    write lock, taken by a write that changes nothing, as ``select_for_update`` does."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:space, :lock)"),
                              {"space": _SERIAL_KEYSPACE, "lock": lock})
        return
    await _sqlite_write_lock(session)


async def begin_for_savepoints(session: AsyncSession) -> None:
    """Begin the session's transaction on the store at once, so that SAVEPOINTs nest inside it.

    SQLite's driver begins a transaction only before a first write: a SAVEPOINT before that would begin
    one of its own, and its RELEASE would commit everything so far (SQLAlchemy's documented pysqlite
    caveat). So on SQLite this transaction is begun explicitly (deferred: the write lock is still taken
    at the first write). PostgreSQL's savepoints nest inside the transaction as they are.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("BEGIN"))


# The driver begins a transaction at the first write and holds the write lock from there to the commit;
# every service's store has the outbox table.
_WRITE_NOTHING = text("UPDATE outbox SET attempts = attempts WHERE 0 = 1")


_WRITE_LOCK_HELD = "safeguard.write_lock_held"


async def _sqlite_write_lock(session: AsyncSession) -> None:
    """Take the store's write lock, once a transaction: it is held until the commit or the rollback (a
    savepoint's rollback keeps it), and a consumer's batch asks for it once for each event it handles."""
    transaction = session.sync_session.get_transaction()
    if transaction is not None and session.info.get(_WRITE_LOCK_HELD) is transaction:
        return
    await session.execute(_WRITE_NOTHING)
    session.info[_WRITE_LOCK_HELD] = session.sync_session.get_transaction()
