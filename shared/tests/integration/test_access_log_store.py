"""The access log in a real store (SQLite, then PostgreSQL): reads are appended in the unit of work
that reads, at the real time whatever business date the service runs at; a row changed or removed in
SQL is found by the check; and two replicas appending at once on one store keep one chain."""
from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, delete, func, select, update

from safeguard_shared.access_log import Read, access_log, add_access_log_table, record, verify
from safeguard_shared.bus.names import BusNames
from safeguard_shared.bus.outbox import Outbox
from safeguard_shared.clock import FixedDateClock
from safeguard_shared.db import add_bus_tables, create_engine, session_factory
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

BUSINESS_UNIT = Principal(subject="partnership:alex-manager", agency="partnership",
                          roles=frozenset({"business_unit", "reporting_reader"}))
CHAIR = Principal(subject="partnership:sam-chair", agency="partnership", roles=frozenset({"independent_chair"}))
# A business date far from today's: what a service run with --today 2031-03-03 would keep.
PINNED = FixedDateClock(date(2031, 3, 3))


class Store:
    """One replica's view of a service's store: its engine and the units of work it opens."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)
        self.outbox_table, _ = add_bus_tables(metadata := MetaData())
        add_access_log_table(metadata)
        self.metadata = metadata

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, Outbox(self.outbox_table, BusNames("unused"), "toy"), PINNED)

    async def read(self, reader: Principal, *reads: Read) -> None:
        async with self.unit_of_work() as uow:
            await record(uow, reader, *reads)

    async def check(self):
        async with self.sessions() as session:
            return await verify(session)

    async def execute(self, statement) -> None:
        async with self.sessions.begin() as session:
            await session.execute(statement)


@pytest.fixture
async def store(databases):
    url = await databases.anew("accesslog")
    one = Store(url)
    async with one.engine.begin() as conn:
        await conn.run_sync(one.metadata.create_all)
    yield one
    await one.engine.dispose()


async def test_a_read_is_recorded_at_the_real_time_not_at_the_business_date(store):
    before = datetime.now(UTC)
    await store.read(BUSINESS_UNIT, Read("case history", case_id="case-1"))
    after = datetime.now(UTC)

    async with store.sessions() as session:
        [row] = (await session.execute(select(access_log))).mappings().all()
    assert before <= row["read_at"] <= after, "the wall clock, not the pinned business date 3 March 2031"
    assert (row["subject"], row["agency"], row["roles"]) == ("partnership:alex-manager", "partnership",
                                                              "business_unit reporting_reader")
    assert (row["operation"], row["case_id"], row["audit_id"], row["endpoint"]) == ("case history", "case-1",
                                                                                     None, "")


async def test_a_read_that_fails_leaves_no_row(store):
    with pytest.raises(LookupError):
        async with store.unit_of_work() as uow:
            await record(uow, CHAIR, Read("case detail", case_id="case-1"))
            raise LookupError("the case was not found after all")

    assert (await store.check()).rows == 0


async def test_a_row_changed_in_sql_is_found_by_the_check(store):
    for n in range(4):
        await store.read(BUSINESS_UNIT, Read("case detail", case_id=f"case-{n}"))
    assert (await store.check()).intact

    # Someone with the database password hides who read case-2.
    await store.execute(update(access_log).where(access_log.c.seq == 3).values(subject="partnership:someone-else"))

    verdict = await store.check()
    assert not verdict.intact
    assert verdict.problems == ["row 3 was changed after it was written: its contents do not match its hash"]


async def test_a_row_removed_or_backdated_in_sql_is_found_by_the_check(store):
    for n in range(4):
        await store.read(CHAIR, Read("document pack", case_id=f"case-{n}"))

    await store.execute(update(access_log).where(access_log.c.seq == 1).values(
        read_at=datetime.now(UTC) - timedelta(days=30)))
    await store.execute(delete(access_log).where(access_log.c.seq == 2))

    assert (await store.check()).problems == [
        "row 1 was changed after it was written: its contents do not match its hash",
        "row 3 comes after row 1: row 2 removed"]


async def test_many_reads_at_once_from_two_replicas_keep_one_chain(databases):
    """Two replicas on one store (PostgreSQL's advisory lock, SQLite's write lock) append at once."""
    url = await databases.anew("replicas")
    first, second = Store(url), Store(url)
    async with first.engine.begin() as conn:
        await conn.run_sync(first.metadata.create_all)
    try:
        await asyncio.gather(*(replica.read(BUSINESS_UNIT, *(Read("case search", case_id=f"case-{n}-{k}")
                                                             for k in range(n % 3 + 1)))
                               for n in range(40) for replica in (first, second)))

        verdict = await first.check()
        assert verdict.intact, verdict.problems
        expected = 2 * sum(n % 3 + 1 for n in range(40))
        assert verdict.rows == verdict.last_seq == expected
        async with first.sessions() as session:
            assert (await session.execute(select(func.count(func.distinct(access_log.c.prev_hash))))).scalar() \
                == expected, "no two rows follow the same row"
    finally:
        await first.engine.dispose()
        await second.engine.dispose()
