"""A use case's state change and the events it owes commit together, or neither does; an event
handler's effects join the inbox's transaction; the relay is woken only after a commit with events."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select

from safeguard_shared.bus.dispatch import EventDispatcher, producers
from safeguard_shared.bus.names import BusNames
from safeguard_shared.bus.outbox import Outbox
from safeguard_shared.clock import FixedDateClock
from safeguard_shared.contracts.referrals import PanelResponded
from safeguard_shared.contracts.scheduling import DeadlineScheduled
from safeguard_shared.db import add_bus_tables, create_engine, session_factory
from safeguard_shared.unit_of_work import UnitOfWork

metadata = MetaData()
outbox_table, inbox_table = add_bus_tables(metadata)
notes = Table("notes", metadata, Column("note_id", String(36), primary_key=True))


@pytest.fixture
async def store(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


def _uow(sessions, woken: list[str]) -> UnitOfWork:
    return UnitOfWork(sessions, Outbox(outbox_table, BusNames(""), "referrals"), FixedDateClock(date(2027, 1, 5)),
                      on_commit=lambda: woken.append("relay"))


async def _count(sessions, table: Table) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def test_a_step_and_its_event_commit_together_and_wake_the_relay(store):
    woken: list[str] = []
    async with _uow(store, woken) as uow:
        await uow.session.execute(insert(notes).values(note_id="n1"))
        await uow.publish(PanelResponded(case_id="c1", response="endorsed"))
    assert await _count(store, notes) == 1
    assert await _count(store, outbox_table) == 1
    assert woken == ["relay"]


async def test_a_step_that_fails_leaves_neither_its_change_nor_its_event(store):
    woken: list[str] = []
    with pytest.raises(RuntimeError):
        async with _uow(store, woken) as uow:
            await uow.session.execute(insert(notes).values(note_id="n1"))
            await uow.publish(PanelResponded(case_id="c1", response="endorsed"))
            raise RuntimeError("the rule said no")
    assert await _count(store, notes) == 0
    assert await _count(store, outbox_table) == 0
    assert woken == []


async def test_a_read_only_step_does_not_wake_the_relay(store):
    woken: list[str] = []
    async with _uow(store, woken) as uow:
        await uow.session.execute(select(notes))
    assert woken == []


async def test_the_handler_table_runs_the_use_cases_for_its_events_inside_the_inbox_transaction(store):
    seen: list[str] = []

    async def when_the_panel_responds_note_it(event: PanelResponded, uow: UnitOfWork) -> None:
        seen.append(event.response)
        await uow.session.execute(insert(notes).values(note_id=event.case_id))
        await uow.publish(PanelResponded(case_id="echo", response=event.response))

    table = {PanelResponded: [when_the_panel_responds_note_it]}
    assert producers(table) == ["referrals"]
    outbox = Outbox(outbox_table, BusNames(""), "referrals")
    dispatch = EventDispatcher(table, outbox, FixedDateClock(date(2027, 1, 5)))
    cause = PanelResponded(case_id="c9", response="challenged").envelope(
        producer="referrals", occurred_at=FixedDateClock(date(2027, 1, 5)).now(), correlation_id="case-c9")
    other = DeadlineScheduled(deadline_id="d1", key="rr.complete", due=date(2027, 1, 14)).envelope(
        producer="scheduling", occurred_at=FixedDateClock(date(2027, 1, 5)).now())
    async with store() as session, session.begin():
        await dispatch(session, cause)
        await dispatch(session, other)  # not in the table: passed over
    assert seen == ["challenged"]
    async with store() as session:
        row = (await session.execute(select(outbox_table.c.body))).scalar_one()
    # The event it owes carries the cause's correlation and names the cause.
    assert '"correlation_id":"case-c9"' in row and f'"causation_id":"{cause.event_id}"' in row


async def test_rows_read_for_update_on_sqlite_hold_off_another_writer_until_commit(store):
    """SQLite has no row locks and its driver begins a transaction at the first write: without the
    write lock taken first, another writer could commit between this read and this write."""
    import asyncio

    from safeguard_shared.db import select_for_update

    async with store() as session:
        await session.execute(insert(notes).values(note_id="n1"))
        await session.commit()

    async def another_writer() -> None:
        async with store() as other, other.begin():
            await other.execute(insert(notes).values(note_id="n2"))

    async with store() as session, session.begin():
        rows = (await select_for_update(session, select(notes))).all()
        assert [r.note_id for r in rows] == ["n1"]
        writer = asyncio.create_task(another_writer())
        done, _ = await asyncio.wait({writer}, timeout=0.5)
        assert not done, "the other writer waits while the rows are held"
        await session.execute(insert(notes).values(note_id="n1-changed"))
    await asyncio.wait_for(writer, timeout=30)
    assert await _count(store, notes) == 3
