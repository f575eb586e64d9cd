"""Benchmark: what one statement costs a service on its SQLite store, through the engine every service
uses (``safeguard_shared.db.create_engine``), in microseconds.

Each service runs a few dozen statements per referral, most of them an insert of one row or a select
by key, so the time SQLAlchemy, the async adapter and the driver take around SQLite's own work is paid
on every one of them (docs/observability.md). This times N inserts of one row, then N selects by key,
each statement made once with its values as parameters, as the services' hot statements are; then
the same N rows in one ``executemany``, as a consumer's batch writes the rows it only adds
(``safeguard_shared/db/appends.py``). All inside one transaction, so the disk is not what is timed.

Then the same statements on Python's ``sqlite3`` module alone, on a store of its own with the same
pragmas, in the same run: the driver and SQLite's own work, without SQLAlchemy's session, execution
context and greenlet. The difference is what the services pay for their data layer on every statement
(docs/observability.md, eighth pass).

The machine's speed is not steady: compare two versions in turns (a git worktree of the old one first
on ``PYTHONPATH``), never with a figure from another day.

Run:  .venv/bin/python bench/sqlite_statement.py [--statements 2000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import asyncio
import shlex
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select

try:
    from safeguard_shared.db import create_engine, session_factory
except ModuleNotFoundError:  # not installed: run from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))
    from safeguard_shared.db import create_engine, session_factory

metadata = MetaData()
rows = Table("rows", metadata, Column("key", String(36), primary_key=True), Column("value", Integer))


async def measure(statements: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/store.db")
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        add, by_key = insert(rows), select(rows).where(rows.c.key == bindparam("key"))
        try:
            for n in range(1, rounds + 1):
                keys = [str(uuid.uuid4()) for _ in range(statements)]
                many = [{"key": str(uuid.uuid4()), "value": 1} for _ in range(statements)]
                async with sessions() as session, session.begin():
                    began = time.perf_counter()
                    for key in keys:
                        await session.execute(add, {"key": key, "value": 1})
                    added = time.perf_counter()
                    for key in keys:
                        (await session.execute(by_key, {"key": key})).first()
                    selected = time.perf_counter()
                    await session.execute(add, many)
                    together = time.perf_counter()
                print(f"round {n}: insert of one row {1e6 * (added - began) / statements:.0f} µs, "
                      f"select by key {1e6 * (selected - added) / statements:.0f} µs, "
                      f"a row of one executemany {1e6 * (together - selected) / statements:.1f} µs")
        finally:
            await engine.dispose()
        driver_alone(f"{folder}/driver.db", statements, rounds)


def driver_alone(path: str, statements: int, rounds: int) -> None:
    """The same statements on the ``sqlite3`` module itself: what SQLite and its driver take."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            db.execute(f"PRAGMA {pragma}")
        db.execute("CREATE TABLE rows (key VARCHAR(36) PRIMARY KEY, value INTEGER)")
        add, by_key = "INSERT INTO rows (key, value) VALUES (?, ?)", "SELECT key, value FROM rows WHERE key = ?"
        for n in range(1, rounds + 1):
            keys = [str(uuid.uuid4()) for _ in range(statements)]
            many = [(str(uuid.uuid4()), 1) for _ in range(statements)]
            db.execute("BEGIN")
            began = time.perf_counter()
            for key in keys:
                db.execute(add, (key, 1))
            added = time.perf_counter()
            for key in keys:
                db.execute(by_key, (key,)).fetchone()
            selected = time.perf_counter()
            db.executemany(add, many)
            together = time.perf_counter()
            db.execute("COMMIT")
            print(f"round {n}, sqlite3 alone: insert of one row {1e6 * (added - began) / statements:.0f} µs, "
                  f"select by key {1e6 * (selected - added) / statements:.0f} µs, "
                  f"a row of one executemany {1e6 * (together - selected) / statements:.1f} µs")
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"$ {shlex.join([Path(sys.executable).name, *sys.argv])}")
    asyncio.run(measure(args.statements, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
