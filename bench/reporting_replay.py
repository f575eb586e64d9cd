"""Rebuilding the reporting read models from 1,000,000 events: ``reporting.replay`` end to end.

Publishes N events (default 1,000,000) to the four producers' streams under a namespace of its own
on a real NATS JetStream server — what a partnership's services publish over the life of many
cases: referrals opening cases and moving them on, the clocks scheduled, met, missed and moved,
notifications sent, audits planned, and a few events reporting does not count — then runs the
replay (drop the read models, read every stream from the start, project, commit) into a fresh
database and prints events per second. Then it computes the summary once from the rebuilt tables.
The goal is at least 20,000 events/s.

    NATS_URL=nats://127.0.0.1:4222 .venv/bin/python bench/reporting_replay.py                # SQLite
    NATS_URL=nats://127.0.0.1:4222 .venv/bin/python bench/reporting_replay.py \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres                             # PostgreSQL
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from safeguard_shared.bus.names import BusNames, ensure_streams
from safeguard_shared.contracts import Envelope
from safeguard_shared.contracts.audits import AuditPlanned, CasesSampled
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened, MilestoneReached, RapidReviewDecided, ScopingRequested
from safeguard_shared.contracts.scheduling import DeadlineDueSoon, DeadlineMet, DeadlineMissed, DeadlineScheduled

AGENCIES = ["local_authority", "police", "icb", "school", "health_provider", "probation", "housing"]
CHILD_KEYS = [("rr.panel_notified", 5), ("rr.scoping_sent", 2), ("rr.meeting", 13), ("rr.complete", 15),
              ("rr.outcome_sent", 17)]
ADULT_KEYS = [("sar.decision", 56), ("sar.agreed", 70), ("sar.signed_off", 250), ("sar.published", 280)]


def _case_events(rng: random.Random, start: date, at: datetime) -> list[tuple[str, Envelope]]:
    """One case's events, as its producers would publish them, with the producer's name."""
    case_id = str(uuid.uuid4())
    child = rng.random() < 0.7
    agencies = rng.sample(AGENCIES, 4)
    received = start + timedelta(days=rng.randrange(700))
    out: list[tuple[str, Envelope]] = []

    def add(producer: str, event) -> None:
        out.append((producer, event.envelope(producer=producer, occurred_at=at, correlation_id=case_id)))

    add("referrals", CaseOpened(case_id=case_id, case_ref=f"RR-{received.year}-{case_id[:6]}",
                                pathway="child" if child else "adult", referring_agency=rng.choice(AGENCIES),
                                received_on=received, became_aware_on=received if child else None,
                                involved_agencies=agencies, serious_incident=child, rapid_review=child))
    keys = CHILD_KEYS if child else ADULT_KEYS
    deadlines = [(k, received + timedelta(days=d), None) for k, d in keys]
    scoping = "rr.scoping_returned" if child else "sar.scoping_returned"
    deadlines += [(scoping, received + timedelta(days=9 if child else 30), a) for a in agencies]
    if child:
        add("referrals", ScopingRequested(case_id=case_id, case_ref="x", referring_agency=agencies[0],
                                          agencies=agencies, meeting_on=received + timedelta(days=12),
                                          window_start=received + timedelta(days=9),
                                          window_end=received + timedelta(days=17)))
    for key, due, agency in deadlines:
        deadline_id = str(uuid.uuid4())
        ident = dict(deadline_id=deadline_id, key=key, case_id=case_id, agency=agency, due=due,
                     who_agency=agency or "local_authority")
        add("scheduling", DeadlineScheduled(**ident))
        roll = rng.random()
        if roll < 0.3:
            add("scheduling", DeadlineDueSoon(**ident))
        if roll < 0.65:
            late = rng.random() < 0.25
            add("scheduling", DeadlineMet(**ident, met_on=due + timedelta(days=3 if late else -1), on_time=not late,
                                          working_days_late=3 if late else 0))
        elif roll < 0.85:
            add("scheduling", DeadlineMissed(**ident))
        if agency:
            add("referrals", MilestoneReached(case_id=case_id, fact="scoping_returned", on=due, agency=agency))
    if child:
        add("referrals", MilestoneReached(case_id=case_id, fact="meeting_held", on=received + timedelta(days=12)))
        add("referrals", RapidReviewDecided(case_id=case_id, case_ref="x", referring_agency=agencies[0],
                                            agencies=agencies, decision=rng.choice(["cspr", "alternative_review",
                                                                                      "no_review"]),
                                            decided_on=received + timedelta(days=12), safety_actions=2, learning=3))
        add("notifications", NotificationSent(notification_id=str(uuid.uuid4()), case_id=case_id,
                                              recipient_kind="national_panel",
                                              template="serious_incident_notification", channel="outbox",
                                              sent_on=received))
    for agency in agencies[:2]:
        add("notifications", NotificationSent(notification_id=str(uuid.uuid4()), case_id=case_id,
                                              recipient_kind="agency", template="scoping_request", channel="outbox",
                                              agency=agency, sent_on=received))
    return out


def _extras(rng: random.Random, at: datetime) -> list[tuple[str, Envelope]]:
    audit_id = str(uuid.uuid4())
    return [
        ("audits", AuditPlanned(audit_id=audit_id, theme=rng.choice(["neglect", "exploitation", "domestic abuse"]),
                                kind="children", qa_meeting_on=date(2027, 3, 10)).envelope(producer="audits",
                                                                                           occurred_at=at)),
        ("audits", CasesSampled(audit_id=audit_id, seed=1, population_digest="d", population_size=40,
                                sample_size=4).envelope(producer="audits", occurred_at=at)),
        # Something reporting does not count: skipped, never a failure.
        ("referrals", Envelope(event_type="referrals.case.reopened", schema_version=1, occurred_at=at,
                               correlation_id="c", producer="referrals", payload={"case_id": audit_id})),
    ]


async def publish(nats_url: str, names: BusNames, n: int) -> float:
    import nats

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js, names)
    rng = random.Random(20261221)
    at = datetime(2026, 12, 21, 10, tzinfo=UTC)
    start = date(2025, 4, 1)
    sent = 0
    t0 = time.perf_counter()
    while sent < n:
        events = _case_events(rng, start, at)
        if rng.random() < 0.05:
            events += _extras(rng, at)
        for _producer, env in events[: n - sent]:
            await nc.publish(names.subject(env.event_type), env.to_json(), headers={"Nats-Msg-Id": env.event_id})
            sent += 1
            if sent % 20_000 == 0:
                await nc.flush()
                print(f"\rpublished {sent:,} / {n:,}", end="", file=sys.stderr, flush=True)
    await nc.flush()
    while True:  # JetStream has stored them all
        stored = sum([(await js.stream_info(names.stream(p))).state.messages
                      for p in ("referrals", "scheduling", "notifications", "audits")])
        if stored >= n:
            break
        await asyncio.sleep(0.2)
    print(f"\rpublished {sent:,} events in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    await nc.close()
    return time.perf_counter() - t0


async def cleanup(nats_url: str, names: BusNames) -> None:
    import nats

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for info in await js.streams_info():
        if info.config.name.startswith(f"{names.namespace}_"):
            await js.delete_stream(info.config.name)
    await nc.close()


async def main(n: int, nats_url: str, postgres: str | None) -> None:
    import asyncpg

    from reporting.application import queries
    from reporting.config import load_settings
    from reporting.domain import figures
    from reporting.replay import replay
    from safeguard_shared.db import create_engine

    names = BusNames(f"bench{uuid.uuid4().hex[:8]}")
    tmp = Path(tempfile.mkdtemp(prefix="replay-bench-"))
    dbname = None
    if postgres:
        dbname = f"sg_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(postgres)
        await conn.execute(f'CREATE DATABASE "{dbname}"')
        await conn.close()
        url = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + dbname
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'reporting.sqlite3'}"
    try:
        await publish(nats_url, names, n)
        settings = load_settings(database_url=url, nats_url=nats_url, bus_namespace=names.namespace, data_dir=tmp)
        stats = await replay(settings, out=sys.stderr)
        print(f"replay: {stats.events:,} events in {stats.seconds:.1f} s = {stats.rate:,.0f} events/s "
              f"({stats.rows:,} rows; store {'PostgreSQL' if postgres else 'SQLite'})")
        engine = create_engine(url)
        t0 = time.perf_counter()
        async with engine.connect() as conn:
            from sqlalchemy.ext.asyncio import AsyncSession

            async with AsyncSession(bind=conn) as session:
                snap = await queries.snapshot(session)
        summary = figures.summary(snap, date(2027, 3, 1))
        print(f"summary from the rebuilt tables in {time.perf_counter() - t0:.1f} s: "
              f"{summary['cases']['open']:,} open cases, {summary['deadlines']['overdue']:,} deadlines overdue, "
              f"share on time {summary['deadlines']['share_on_time']}")
        await engine.dispose()
    finally:
        await cleanup(nats_url, names)
        if dbname:
            conn = await asyncpg.connect(postgres)
            await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--nats", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--postgres", default=None, help="admin URL; a database is created and dropped")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.nats, args.postgres))
