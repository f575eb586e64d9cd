"""One tick of the durable timer with 1,000,000 open deadlines in the store, and the memory it takes.

Fills a fresh scheduling database (SQLite by default; PostgreSQL with --postgres URL, a database
is created and dropped) with N open deadlines whose next transitions are spread over the coming
two years, makes K of them fall due now, and times: a tick that finds nothing, a tick that fires
the K transitions, again a tick that finds nothing. Prints the process's peak RSS.

    .venv/bin/python bench/scheduling_tick.py                       # SQLite, 1,000,000 deadlines
    .venv/bin/python bench/scheduling_tick.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from safeguard_shared.clock import ManualClock
from safeguard_shared.service import ServiceRuntime
from scheduling.adapters import orm
from scheduling.application.ticker import tick
from scheduling.application.timekeeping import Timekeeping
from scheduling.bootstrap import MIGRATIONS
from scheduling.config import load_settings
from scheduling.domain.deadlines import ReminderPolicy
from scheduling.domain.rules_file import load_rules


async def main(n: int, due_now: int, postgres: str | None) -> None:
    import asyncpg

    tmp = Path(tempfile.mkdtemp(prefix="tick-bench-"))
    dbname = None
    if postgres:
        dbname = f"sg_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(postgres)
        await conn.execute(f'CREATE DATABASE "{dbname}"')
        await conn.close()
        url = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + dbname
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'scheduling.sqlite3'}"
    now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    clock = ManualClock(now)
    runtime = ServiceRuntime(load_settings(database_url=url, data_dir=tmp), outbox_table=orm.outbox,
                             inbox_table=orm.inbox, migrations=MIGRATIONS, clock=clock)
    await runtime.migrate()
    rules = load_rules()
    tk = Timekeeping(rules, rules.calendar(), ReminderPolicy())
    t0 = time.perf_counter()
    chunk = 20_000
    async with runtime.engine.begin() as conn:
        for start in range(0, n, chunk):
            rows = []
            for i in range(start, min(n, start + chunk)):
                falls_due = i < due_now
                nxt = now - timedelta(minutes=5) if falls_due else now + timedelta(minutes=10 + (i * 37) % (730 * 1440))
                # Those falling due now: due tomorrow, so the reminder (two working days before) is overdue.
                due = now.date() + timedelta(days=1) if falls_due else (nxt + timedelta(days=3)).date()
                rows.append(dict(deadline_id=str(uuid.UUID(int=i)), key="rr.complete", case_id=str(uuid.UUID(int=i)),
                                 audit_id=None, occasion=f"case:{i}", agency="", anchor_name="became_aware_on",
                                 anchor_on=due - timedelta(days=21), due=due, window_start=None, target=None,
                                 status="pending", explanation="bench", skipped=[], who_agency="local_authority",
                                 who_role="business_unit", escalations=0, next_transition_at=nxt,
                                 created_at=now, updated_at=now))
            await conn.execute(insert(orm.deadlines), rows)
    fill = time.perf_counter() - t0
    timings = {}
    for label in ("empty tick before", "tick firing", "empty tick after"):
        if label == "empty tick before":
            clock.set(now - timedelta(minutes=10))  # before anything is due
        else:
            clock.set(now)
        t = time.perf_counter()
        async with runtime.unit_of_work() as uow:
            fired = await tick(uow, tk)
        timings[label] = ((time.perf_counter() - t) * 1000, fired)
    print(f"store: {'PostgreSQL' if postgres else 'SQLite'}, {n:,} open deadlines (filled in {fill:.0f} s)")
    for label, (ms, fired) in timings.items():
        print(f"  {label:<18} {ms:8.1f} ms   transitions fired: {fired}")
    await runtime.engine.dispose()
    rss = await service_rss(url, tmp)
    print(f"  the scheduling service itself on this store, idle after its ticks: {rss:.0f} MB RSS")
    if dbname:
        conn = await asyncpg.connect(postgres)
        await conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        await conn.close()


async def service_rss(url: str, tmp: Path) -> float:
    """Start the real service (python -m scheduling) on the filled store and read its VmRSS."""
    import os
    import subprocess
    import sys

    import httpx

    from safeguard_cli.nats_server import EmbeddedNats, free_port

    nats = EmbeddedNats(tmp / "nats", port=free_port())
    nats.start()
    port = free_port()
    env = dict(os.environ, NATS_URL=nats.url, SCHEDULING_DATABASE_URL=url, SCHEDULING_PORT=str(port),
               SAFEGUARD_DATA_DIR=str(tmp), SAFEGUARD_TODAY="2027-03-01", SCHEDULING_TICK_SECONDS="1")
    proc = subprocess.Popen([sys.executable, "-m", "scheduling"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
        await asyncio.sleep(5)  # several ticks over the million rows
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        nats.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--deadlines", type=int, default=1_000_000)
    ap.add_argument("--due-now", type=int, default=50)
    ap.add_argument("--postgres", default=None)
    a = ap.parse_args()
    asyncio.run(main(a.deadlines, a.due_now, a.postgres))
