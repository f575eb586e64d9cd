"""What the access log costs: reads recorded per second with several requests at once (each append
waits for the one before: the chain is one line), and how long checking the chain takes.

    .venv/bin/python bench/access_log.py [--reads 2000] [--concurrency 8] [--postgres postgresql://…/postgres]

Without --postgres (or POSTGRES_URL) only SQLite is measured.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import MetaData

from safeguard_shared.access_log import Read, add_access_log_table, record, verify
from safeguard_shared.bus.names import BusNames
from safeguard_shared.bus.outbox import Outbox
from safeguard_shared.clock import Clock
from safeguard_shared.db import add_bus_tables, create_engine, session_factory
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

READER = Principal(subject="partnership:bench", agency="partnership", roles=frozenset({"business_unit"}))


async def measure(url: str, reads: int, concurrency: int) -> tuple[float, float, int]:
    engine = create_engine(url)
    metadata = MetaData()
    outbox_table, _ = add_bus_tables(metadata)
    add_access_log_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    outbox = Outbox(outbox_table, BusNames("bench"), "bench")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(reads):
        queue.put_nowait(n)

    async def reader() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            async with UnitOfWork(sessions, outbox, Clock()) as uow:
                await record(uow, READER, Read("case detail", case_id=f"case-{n % 97}"))

    started = time.perf_counter()
    await asyncio.gather(*(reader() for _ in range(concurrency)))
    appending = time.perf_counter() - started
    started = time.perf_counter()
    async with sessions() as session:
        verdict = await verify(session)
    checking = time.perf_counter() - started
    await engine.dispose()
    assert verdict.intact
    return reads / appending, checking, verdict.rows


async def postgres_database(admin: str) -> tuple[str, str]:
    import asyncpg

    name = f"sg_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return name, admin.rsplit("/", 1)[0] + "/" + name


async def drop(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stores = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", None)]
        if args.postgres:
            name, url = await postgres_database(args.postgres)
            stores.append(("PostgreSQL", url, name))
        for label, url, name in stores:
            try:
                per_second, checking, rows = await measure(url, args.reads, args.concurrency)
            finally:
                if name:
                    await drop(args.postgres, name)
            print(f"{label}: {per_second:,.0f} reads recorded per second ({args.concurrency} at once); "
                  f"{rows:,} rows checked in {checking:.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
