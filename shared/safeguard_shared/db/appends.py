"""Writes that wait for the end of a consumer's transaction, to go in one statement per table instead
of one per row.

Two kinds of write can wait, because the transaction that makes them never reads them back:

- rows that are only ever added (``append``): the outbox (the relay reads it after the commit), a
  history such as scheduling's ``deadline_history``. A case opening starts four clocks in scheduling:
  four events and four lines of history, eight statements of the twenty-seven one referral cost it;
- changes a service folds itself (``deferred``): reporting's read models, whose upserts of one row
  fold into one (its ``Batch``, the one a replay uses).

Each statement costs SQLAlchemy and the driver about as much again as the store's own work, and a
consumer handles several events in one transaction (bus/batch.py), so a batch's rows of each table
go in one ``executemany``.

Only a transaction that asks for it (``defer_appends``) keeps them back: the batch consumer does, and
writes them (``write_appends``) before its inbox rows and the commit, so they commit with the effects
that owed them or not at all. Everywhere else (a request's unit of work, the dispatcher, the ticker,
a consumer's careful pass, in which each event's savepoint must take its own rows with it when it is
rolled back) ``append`` writes the row at once and ``deferred`` answers None. Each table's rows keep
the order they were added in: the outbox's sequence is the order its events are published in.

A row kept back that the store refuses is refused only once every handler has run, so the batch
consumer treats it as a handler that raised: the batch is handled again carefully, each event's rows
written in its own savepoint, and only the event that owed the row is dead-lettered.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Insert
from sqlalchemy.ext.asyncio import AsyncSession

_KEY = "safeguard.appends"


class Deferred(Protocol):
    """Writes kept back in a session, made by ``write`` (how many rows it wrote)."""

    async def write(self, session: AsyncSession) -> int: ...


D = TypeVar("D", bound=Deferred)


def defer_appends(session: AsyncSession) -> None:
    """From now until ``write_appends``, the writes ``append`` and ``deferred`` are given wait in this
    session."""
    session.info[_KEY] = {}


def deferred(session: AsyncSession, key: Hashable, make: Callable[[], D]) -> D | None:
    """The session's kept-back writes under ``key`` (made by ``make`` at first use), or None when the
    transaction writes everything at once."""
    waiting: dict[Hashable, Deferred] | None = session.info.get(_KEY)
    if waiting is None:
        return None
    found = waiting.get(key)
    if found is None:
        found = waiting[key] = make()
    return found  # type: ignore[return-value]


class _Rows:
    def __init__(self, statement: Insert):
        self.statement = statement
        self.rows: list[dict[str, Any]] = []

    async def write(self, session: AsyncSession) -> int:
        await session.execute(self.statement, self.rows)
        return len(self.rows)


async def append(session: AsyncSession, statement: Insert, row: dict[str, Any]) -> None:
    """Add ``row`` with ``statement`` (an INSERT made once, its values as parameters): now, or with the
    transaction's other rows of that statement if the transaction defers them."""
    rows = deferred(session, statement, lambda: _Rows(statement))
    if rows is None:
        await session.execute(statement, row)
    else:
        rows.rows.append(row)


async def write_appends(session: AsyncSession) -> int:
    """Make the writes kept back, in the order they were first asked for; no longer defer. Returns how
    many rows were written."""
    waiting: dict[Hashable, Deferred] = session.info.pop(_KEY, None) or {}
    written = 0
    for writes in waiting.values():
        written += await writes.write(session)
    return written
