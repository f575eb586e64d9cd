"""A durable consumer working through a backlog: how many events a second it drains.

Publishes N events (default 10,000) under a namespace of its own on a real NATS JetStream server —
the mix reporting's bench for the replay publishes (cases opened, clocks scheduled, met and missed,
notices sent, a few events reporting does not count), each case's events in the order its producers
would publish them, on the four producers' streams — and only then starts the reporting service (its
runtime's lifespan: migrations, the bus, its durable consumers on every stream) on a fresh store.
It times until JetStream says reporting's durable consumers have every event acknowledged (an event is
acknowledged after the commit of its effects and inbox row, or at once when no handler acts on it) and
prints events per second. Reporting is the cheapest real consumer that still writes its store for
every event: its projections are a row or two each. The goal (issue 16) is at least 1,000 events/s,
10,000 events in at most 20 s.

    NATS_URL=nats://127.0.0.1:4222 .venv/bin/python bench/consumer_backlog.py                # SQLite
    NATS_URL=nats://127.0.0.1:4222 .venv/bin/python bench/consumer_backlog.py \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres                             # PostgreSQL
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from safeguard_shared.bus.names import BusNames
from safeguard_shared.db import create_engine

sys.path.insert(0, str(Path(__file__).parent))
from scratch_store import scratch_store  # noqa: E402

_spec = importlib.util.spec_from_file_location("reporting_replay", Path(__file__).with_name("reporting_replay.py"))
assert _spec and _spec.loader
replay_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replay_bench)


async def main(n: int, nats_url: str, postgres: str | None, bound: float) -> None:
    from reporting.adapters import orm
    from reporting.bootstrap import bootstrap
    from reporting.config import load_settings

    names = BusNames(f"bench{uuid.uuid4().hex[:8]}")
    tmp = Path(tempfile.mkdtemp(prefix="backlog-bench-"))
    async with scratch_store(postgres, tmp, "reporting") as url:
        engine = create_engine(url)
        try:
            await replay_bench.publish(nats_url, names, n)
            settings = load_settings(database_url=url, nats_url=nats_url, bus_namespace=names.namespace,
                                     data_dir=tmp)
            app = bootstrap(settings)
            await app.state.runtime.migrate()  # not timed; the lifespan finds nothing left to do
            t0 = time.perf_counter()
            async with app.router.lifespan_context(app):
                handled = 0
                while handled < n and time.perf_counter() - t0 < bound:
                    await asyncio.sleep(0.1)
                    handled = await acknowledged(nats_url, names, n)
                took = time.perf_counter() - t0
                async with engine.connect() as conn:
                    rows = (await conn.execute(select(func.count()).select_from(orm.inbox))).scalar_one()
                print(f"{rows:,} inbox rows: the events reporting answers; the rest were passed over")
            store = "PostgreSQL" if postgres else "SQLite"
            if handled < n:
                print(f"drained {handled:,} of {n:,} events in {bound:.0f} s (bound reached) = "
                      f"{handled / took:,.0f} events/s (store {store})")
            else:
                print(f"drained {n:,} events in {took:.1f} s = {n / took:,.0f} events/s (store {store})")
        finally:
            await engine.dispose()
            await replay_bench.cleanup(nats_url, names)


async def acknowledged(nats_url: str, names: BusNames, n: int) -> int:
    """How many of the ``n`` events reporting's durable consumers have acknowledged, by JetStream's count."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        waiting = 0
        for producer in ("referrals", "scheduling", "notifications", "audits"):
            info = await js.consumer_info(names.stream(producer), names.durable("reporting", producer))
            waiting += info.num_pending + info.num_ack_pending
        return n - waiting
    finally:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--nats", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--postgres", default=None, help="admin URL; a database is created and dropped")
    parser.add_argument("--bound", type=float, default=300.0, help="give up after this many seconds")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.nats, args.postgres, args.bound))
