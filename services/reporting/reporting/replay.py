"""Rebuild the read models from the streams: ``python -m reporting.replay`` (``safeguard replay``).

In one process and one database transaction: empty the read-model tables, then read each
producer's stream from its first message to the last one it holds now, projecting every event into
the tables, and commit. Readers keep seeing the old figures until the commit, and a replay that
fails leaves them as they were.

The fast path: an ordered JetStream consumer per stream (no acks, flow-controlled, restarted by
nats-py from the last sequence if it ever misses one); each event's rows, from the projections the
live consumer runs (``application/event_handlers.py``'s ``EVENT_HANDLERS``, via
``application/rebuild.py``), folded in memory by row (``adapters/read_models.py``'s ``Batch``) and
written in bulk while the next ones are read. Events a replay must not count the live consumer did
not count either: a malformed one, or one that breaks its contract, is skipped and reported.

The live consumer records what it handled in its inbox; a replay leaves the inbox alone, so the
service carries on from where it was. Run it while the reporting service is stopped or quiet: an
event the live consumer projects during a replay may be written twice, which the upserts make
harmless, but a change it makes after the replay has read that row may be overwritten until the
row's next event.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from safeguard_shared.bus.names import PRODUCERS, BusNames
from safeguard_shared.bus.nats import servers
from safeguard_shared.db import create_engine
from safeguard_shared.db.migrate import upgrade
from safeguard_shared.settings import ServiceSettings

from .adapters.orm import READ_MODELS
from .adapters.read_models import Batch
from .application.rebuild import rows_from_json
from .config import load_settings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"
FLUSH_ROWS = 20_000


@dataclass
class Stats:
    events: int = 0
    projected: int = 0
    skipped: int = 0     # types reporting does not count
    rejected: int = 0    # malformed, or breaking their contract
    rows: int = 0
    seconds: float = 0.0
    by_stream: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class Progress:
    """One line per stream on a terminal (redrawn in place), a line every few seconds elsewhere."""

    def __init__(self, out: TextIO | None, total: int) -> None:
        self.out = out
        self.total = total
        self.tty = bool(out and out.isatty())
        self.started = time.perf_counter()
        self.last = 0.0

    def show(self, stream: str, done: int, of: int, overall: int, final: bool = False) -> None:
        if self.out is None:
            return
        now = time.perf_counter()
        if not final and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        rate = overall / (now - self.started) if now > self.started else 0.0
        pct = 100 * done / of if of else 100.0
        line = f"{stream:<14} {done:>11,} / {of:,} events {pct:5.1f}%   {rate:,.0f} events/s"
        if self.tty:
            self.out.write("\r" + line + ("\n" if final else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


class _Writer:
    """Writes one batch while the next is being read (one connection: one write at a time)."""

    def __init__(self, conn: AsyncConnection, stats: Stats) -> None:
        self.conn = conn
        self.stats = stats
        self.pending: asyncio.Future[None] | None = None

    async def flush(self, batch: Batch) -> Batch:
        await self.wait()
        self.pending = asyncio.ensure_future(self._write(batch))
        return Batch()

    async def _write(self, batch: Batch) -> None:
        self.stats.rows += await batch.write(self.conn)

    async def wait(self) -> None:
        if self.pending is not None:
            task, self.pending = self.pending, None
            await task


async def _stream_messages(js: Any, stream: str) -> int:  # a nats-py JetStreamContext
    from nats.js.errors import NotFoundError

    try:
        info = await js.stream_info(stream)
        return int(info.state.messages)
    except NotFoundError:
        return 0


async def _until_done_or_idle(done: asyncio.Future[None], progress_of: Callable[[], int],
                              idle_seconds: float = 15.0) -> None:
    """Wait for the stream's end; if nothing arrives for ``idle_seconds`` (messages removed by the
    stream's limits while we read), what was delivered is all there is."""
    last = -1
    while True:
        try:
            await asyncio.wait_for(asyncio.shield(done), idle_seconds)
            return
        except TimeoutError:
            if progress_of() == last:
                done.cancel()
                return
            last = progress_of()


async def _replay_stream(js: Any, names: BusNames, producer: str, writer: _Writer, stats: Stats,
                         progress: Progress, flush_rows: int) -> None:
    from nats.js.api import DeliverPolicy

    stream = names.stream(producer)
    messages = await _stream_messages(js, stream)
    stats.by_stream[stream] = 0
    if not messages:
        progress.show(stream, 0, 0, stats.events, final=True)
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    batch = Batch()
    seen = 0

    async def on_message(msg: Any) -> None:  # a nats-py Msg
        nonlocal batch, seen
        if done.done():
            return
        try:
            seen += 1
            stats.events += 1
            try:
                found = rows_from_json(msg.data)
                if found is None:
                    stats.skipped += 1
                else:
                    for change in found:
                        batch.add(change)
                    stats.projected += 1
            except ValueError:  # malformed, or breaking its contract (ValidationError is a ValueError)
                stats.rejected += 1
            if batch.size >= flush_rows:
                batch = await writer.flush(batch)
            progress.show(stream, seen, messages, stats.events)
            # Every message the stream held when we began; later ones are the live consumer's.
            if seen >= messages:
                done.set_result(None)
        except Exception as exc:  # surfaced to the caller, never swallowed by the client's callback
            if not done.done():
                done.set_exception(exc)

    sub = await js.subscribe(names.subject(f"{producer}.>"), stream=stream, ordered_consumer=True,
                             deliver_policy=DeliverPolicy.ALL, cb=on_message)
    try:
        await _until_done_or_idle(done, lambda: seen)
    finally:
        await sub.unsubscribe()
    await writer.flush(batch)
    await writer.wait()
    stats.by_stream[stream] = seen
    progress.show(stream, seen, messages, stats.events, final=True)


async def replay(settings: ServiceSettings | None = None, *, out: TextIO | None = sys.stderr,
                 flush_rows: int = FLUSH_ROWS) -> Stats:
    """Empty the read models and project every stream into them again, in one transaction."""
    import nats

    settings = settings or load_settings()
    names = BusNames(settings.bus_namespace)
    engine = create_engine(settings.resolved_database_url())
    stats = Stats()
    started = time.perf_counter()
    nc = await nats.connect(servers=servers(settings.nats_url), max_reconnect_attempts=3, connect_timeout=5,
                            allow_reconnect=True, **settings.bus_credentials().connect_options())
    try:
        await upgrade(engine, MIGRATIONS)
        js = nc.jetstream()
        total = 0
        for producer in PRODUCERS:
            total += await _stream_messages(js, names.stream(producer))
        progress = Progress(out, total)
        async with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                # Keys are random UUIDs: with SQLite's 2 MB default page cache, most upserts would miss it.
                await conn.exec_driver_sql("PRAGMA cache_size=-262144")
            for table in READ_MODELS:
                await conn.execute(delete(table))
            writer = _Writer(conn, stats)
            for producer in PRODUCERS:
                await _replay_stream(js, names, producer, writer, stats, progress, flush_rows)
    finally:
        await nc.close()
        await engine.dispose()
    stats.seconds = time.perf_counter() - started
    if out is not None:
        out.write(f"Replayed {stats.events:,} events from {len(PRODUCERS)} streams in {stats.seconds:.1f} s "
                  f"({stats.rate:,.0f} events/s): {stats.projected:,} projected, {stats.skipped:,} not counted "
                  f"by reporting, {stats.rejected:,} rejected; {stats.rows:,} read-model rows written.\n")
        out.flush()
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reporting.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="no progress display, only errors")
    parser.add_argument("--batch", type=int, default=FLUSH_ROWS, help="rows folded in memory before each write")
    args = parser.parse_args(argv)
    try:
        asyncio.run(replay(out=None if args.quiet else sys.stderr, flush_rows=args.batch))
    except KeyboardInterrupt:
        sys.stderr.write("replay interrupted: the read models are as they were before it started\n")
        return 130
    except Exception as exc:  # an operator's tool: say what failed, not a traceback
        sys.stderr.write(f"replay failed ({type(exc).__name__}: {exc}); the read models are as they were before "
                         "it started\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
