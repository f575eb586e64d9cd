"""A SQLite store's one connection: handed to sessions in the order they asked for it, its statements
run on the event loop's thread, and a statement that meets another process's lock waits for it
without holding up the event loop."""
from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from sqlalchemy import Column, MetaData, String, Table, event, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from safeguard_shared.db import add_bus_tables, begin_for_savepoints, create_engine, select_for_update, session_factory
from safeguard_shared.db import sqlite as sqlite_store
from safeguard_shared.db.sqlite import _ArrivalOrderQueue

metadata = MetaData()
notes = Table("notes", metadata, Column("note_id", String(36), primary_key=True))


async def test_a_connection_put_back_goes_to_the_caller_that_waited_longest_not_to_a_newcomer():
    idle = _ArrivalOrderQueue(1)
    idle.put_nowait("the connection")
    holder = await idle.get()
    waiting = asyncio.create_task(idle.get())
    await asyncio.sleep(0)  # the waiting caller is in line
    idle.put_nowait(holder)
    # A newcomer asking at this moment finds nothing idle: the connection is already the waiter's.
    assert idle.empty()
    assert await waiting == "the connection"


async def test_a_caller_that_gives_up_as_it_is_handed_the_connection_passes_it_on():
    idle = _ArrivalOrderQueue(1)
    first = asyncio.create_task(idle.get())
    second = asyncio.create_task(idle.get())
    await asyncio.sleep(0)
    idle.put_nowait("the connection")  # handed to the first
    first.cancel()  # which gives up (the pool's timeout) before it runs again
    await asyncio.gather(first, return_exceptions=True)
    assert await second == "the connection"


async def _store_whose_lock_another_process_holds(tmp_path) -> tuple[AsyncEngine, sqlite3.Connection]:
    """A store, and another process's connection to it (a `safeguard` command) holding its write lock."""
    path = tmp_path / "store.db"
    engine = create_engine(f"sqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return engine, other


async def test_a_write_meeting_another_processs_lock_waits_for_it_while_the_event_loop_runs_on(tmp_path):
    engine, other = await _store_whose_lock_another_process_holds(tmp_path)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with session_factory(engine)() as session, session.begin():
            await session.execute(insert(notes).values(note_id="n-1"))

    ticking = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    try:
        async with asyncio.timeout(30):
            while ticks < 20:  # the event loop keeps running while the write waits for the lock
                await asyncio.sleep(0.01)
        assert not writing.done()
        other.execute("COMMIT")
        async with asyncio.timeout(30):
            await writing
    finally:
        ticking.cancel()
        other.close()
    async with session_factory(engine)() as session:
        assert (await session.execute(select(notes.c.note_id))).scalars().all() == ["n-1"]
    await engine.dispose()


async def test_a_lock_held_longer_than_the_store_waits_fails_the_write_after_the_wait(tmp_path, monkeypatch):
    """The store waits out another process's lock for ``LOCK_WAIT_SECONDS`` (here 0.3 s), then the
    statement fails, saying the store is locked, and nothing is written."""
    monkeypatch.setattr(sqlite_store, "LOCK_WAIT_SECONDS", 0.3)
    engine, other = await _store_whose_lock_another_process_holds(tmp_path)
    began = time.monotonic()
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with session_factory(engine)() as session, session.begin():
                await session.execute(insert(notes).values(note_id="n-1"))
        assert 0.3 <= time.monotonic() - began < 5
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with session_factory(engine)() as session:
        assert (await session.execute(select(notes.c.note_id))).scalars().all() == []
    await engine.dispose()


async def test_no_thread_but_the_event_loops_ever_touches_the_connection(tmp_path):
    """aiosqlite's worker thread is never started: statements, commits and the close all run on the
    event loop's thread, so no two threads can be on the connection at once."""
    import threading

    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    threads_before = set(threading.enumerate())
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(insert(notes).values(note_id="n-1"))
    async with session_factory(engine)() as session:
        assert (await session.execute(select(notes.c.note_id))).scalars().all() == ["n-1"]
        driver = (await session.connection()).sync_connection.connection.driver_connection  # type: ignore[union-attr]
        assert not driver._thread.is_alive()
    await engine.dispose()
    assert set(threading.enumerate()) <= threads_before, "a thread was started for the store"


async def test_a_transaction_cancelled_between_statements_leaves_the_store_as_before_and_usable(tmp_path):
    """The earlier half-inline connection crashed the process when a cancelled call left two threads
    on it. A request cancelled mid-transaction now rolls back, and the next one goes on."""
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    inside = asyncio.Event()

    async def half_done() -> None:
        async with session_factory(engine)() as session, session.begin():
            await session.execute(insert(notes).values(note_id="cancelled"))
            inside.set()
            await asyncio.sleep(30)  # cancelled here, between two statements

    task = asyncio.create_task(half_done())
    await inside.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(insert(notes).values(note_id="next"))
    async with session_factory(engine)() as session:
        assert (await session.execute(select(notes.c.note_id))).scalars().all() == ["next"]
    await engine.dispose()


async def test_a_transaction_takes_the_write_lock_once_and_the_next_transaction_takes_it_again(tmp_path):
    """A consumer's batch reads rows it is about to change once for each event it handles. The first read
    takes the store's write lock, which the transaction then holds to its end (a savepoint rolled back
    keeps it), so the later reads do not take it again. A new transaction must."""
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    tables = MetaData()
    add_bus_tables(tables)  # the lock is a write to the outbox that changes nothing
    mine = notes.to_metadata(tables)
    async with engine.begin() as conn:
        await conn.run_sync(tables.create_all)
    locks: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: locks.append(statement) if "WHERE 0 = 1" in statement else None)
    sessions = session_factory(engine)
    query = select(mine).where(mine.c.note_id == "n1")
    try:
        async with sessions() as session:
            async with session.begin():
                await begin_for_savepoints(session)
                await select_for_update(session, query)
                savepoint = await session.begin_nested()
                await select_for_update(session, query)
                await session.execute(insert(mine).values(note_id="n1"))
                await savepoint.rollback()
                await select_for_update(session, query)
            assert len(locks) == 1
            async with session.begin():
                await select_for_update(session, query)
            assert len(locks) == 2, "the next transaction took the lock again"
    finally:
        await engine.dispose()
