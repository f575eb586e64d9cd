"""Writing the read models: a projection's rows become upserts keyed by each row's own ids.

An event says what is now true of one thing (a case, a deadline, an audit), so its effect is an
upsert of the columns it knows: applying an event twice, or replaying a whole stream over the
tables, gives the same rows. A column that must only rise (a case's stage) keeps the larger value.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import Insert

from .orm import RISING


@dataclass(frozen=True, slots=True)
class Change:
    """Upsert these columns of one row of ``table`` (the values include its primary key)."""

    table: Table
    values: dict[str, Any]


@functools.lru_cache(maxsize=256)
def upsert(dialect: str, table: Table, columns: tuple[str, ...]) -> Insert:
    """The upsert of these columns, built once: building one (its ``excluded`` alias copies every column
    of the table) cost more than running it when a consumer works through a backlog."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    rising = RISING.get(table.name, ())
    greatest = func.greatest if dialect == "postgresql" else func.max  # SQLite's two-argument max()
    update: dict[str, Any] = {}
    for name in columns:
        if name in keys:
            continue
        if name in rising:
            update[name] = greatest(func.coalesce(table.c[name], -1), func.coalesce(stmt.excluded[name], -1))
        else:
            update[name] = stmt.excluded[name]
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(index_elements=keys, set_=update)


async def write(session: AsyncSession, changes: Iterable[Change]) -> None:
    """One event's changes, one upsert each, in the caller's transaction (the live consumer's way)."""
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else ""
    for change in changes:
        await session.execute(upsert(dialect, change.table, tuple(change.values)), change.values)


class Batch:
    """Changes folded in memory and written in bulk: how a replay keeps up with the streams, and how
    the live consumer writes a batch of events in one transaction (``Projection``).

    Later changes to the same row overwrite earlier ones column by column (rising columns keep the
    larger value), so a batch written once equals its changes written one by one.
    """

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        self.tables: dict[str, Table] = {}
        self.size = 0

    def add(self, change: Change) -> None:
        table = change.table
        rows = self.rows.get(table.name)
        if rows is None:
            rows = self.rows[table.name] = {}
            self.tables[table.name] = table
        key = tuple(change.values[c.name] for c in table.primary_key.columns)
        row = rows.get(key)
        if row is None:
            rows[key] = dict(change.values)
            self.size += 1
            return
        rising = RISING.get(table.name, ())
        for name, value in change.values.items():
            if name in rising and row.get(name) is not None and (value is None or value < row[name]):
                continue
            row[name] = value

    async def write(self, conn: AsyncConnection | AsyncSession) -> int:
        """Write every row (grouped by the columns they set, one executemany each); then empty."""
        dialect = conn.get_bind().dialect.name if isinstance(conn, AsyncSession) else conn.dialect.name
        written = 0
        for name, rows in self.rows.items():
            table = self.tables[name]
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows.values():
                groups.setdefault(tuple(row), []).append(row)
            for columns, group in groups.items():
                await conn.execute(upsert(dialect, table, columns), group)
                written += len(group)
        self.rows.clear()
        self.size = 0
        return written
