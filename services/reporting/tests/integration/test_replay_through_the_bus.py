"""The scripted year through a real NATS JetStream server: the running service's durable consumers
project it, and ``safeguard replay`` (its own process, ``python -m reporting.replay``) drops the read
models, reads every stream from the start and gives identical figures. Store: SQLite and PostgreSQL.
"""
from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

import nats
from sqlalchemy import insert

from reporting.adapters.orm import inbox, rm_cases
from reporting.application.event_handlers import EVENT_HANDLERS
from reporting.domain.figures import FIGURES
from safeguard_shared.bus.names import BusNames
from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import bearer, running


async def publish(nats_url: str, namespace: str, events) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        names = BusNames(namespace)
        for e in events:
            await js.publish(names.subject(e.event_type), e.to_json(), headers={"Nats-Msg-Id": e.event_id},
                             stream=names.stream(e.producer))
    finally:
        await nc.close()


async def figures(service, reader) -> dict:
    out = {}
    for name in FIGURES:
        response = await service.client.get(f"/v1/reports/{name}", headers=reader)
        assert response.status_code == 200
        out[name] = response.json()
    return out


async def test_a_replay_from_the_streams_gives_the_figures_the_consumers_built(
        databases, nats_url, bus_namespace, tmp_path, issuer, scenario):
    reader = bearer(issuer, "partnership", "reporting_reader")
    async with running(["reporting"], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=FixedDateClock(scenario.today)) as stack:
        reporting = stack["reporting"]
        await publish(nats_url, bus_namespace, scenario.events)
        # Every event reporting answers handled once; the others are passed over, with no inbox row.
        answered = {contract.event_type for contract in EVENT_HANDLERS}
        expected = len([e for e in scenario.events if e.event_type in answered])
        assert 0 < expected < len(scenario.events), "the scenario holds events reporting passes over"
        for _ in range(300):
            if await reporting.count(inbox) == expected:
                break
            await asyncio.sleep(0.1)
        assert await reporting.count(inbox) == expected
        live = await figures(reporting, reader)
        assert live["cases"]["open"] == 3 and live["overdue"]["total"] == 3
        assert live["timeliness"]["share_on_time"] == round(8 / 15, 4)

        # A row no event explains: the replay empties the read models before it reads the streams.
        async with reporting.runtime.sessions() as session, session.begin():
            await session.execute(insert(rm_cases).values(case_id="stale", pathway="child", stage_rank=10,
                                                     opened_at=datetime.now(UTC)))
        assert (await figures(reporting, reader))["cases"]["open"] == 4

        env = dict(os.environ, NATS_URL=nats_url, SAFEGUARD_BUS_NAMESPACE=bus_namespace,
                   REPORTING_DATABASE_URL=reporting.settings.database_url)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "safeguard_cli.main", "replay", "--data-dir", str(tmp_path / "replay"),
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        report = err.decode()
        assert proc.returncode == 0, report
        assert f"Replayed {len(scenario.events)} events from 4 streams" in report
        assert f"{bus_namespace.upper()}_REFERRALS" in report or f"{bus_namespace}_REFERRALS" in report
        assert "1 rejected" not in report and "0 rejected" in report

        assert await figures(reporting, reader) == live
        assert await reporting.count(inbox) == expected, "the inbox is the live consumer's: left alone"
