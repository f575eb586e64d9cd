"""An event the broker will never take does not stop the events behind it.

Referrals' outbox holds an event larger than the broker's maximum payload, ahead of a serious-incident
referral. The relay sets it aside with its reason (a metric, a log line without the body, ``/health``
degraded but still 200) and goes on: the referral still starts the clock, notifies the national Panel
and is counted by the board.
"""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import insert, select

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, ReferralEffects, running
from safeguard_testing.toy import eventually

SERVICES = ("referrals", "scheduling", "notifications", "reporting")
POISON_MARK = "POISON-CONTENT"


@pytest.fixture
async def partnership(databases, nats_url, bus_namespace, tmp_path, issuer):
    async with running(SERVICES, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=FixedDateClock(EXAMPLE_DATE)) as services:
        yield services


def _set_aside_total() -> float:
    return REGISTRY.get_sample_value("safeguard_outbox_set_aside_total",
                                     {"service": "referrals", "kind": "too_large"}) or 0.0


async def test_an_event_too_large_for_the_broker_is_set_aside_and_a_later_referral_reaches_every_effect(
        partnership, issuer, caplog):
    referrals, scheduling = partnership["referrals"], partnership["scheduling"]
    runtime = referrals.runtime
    outbox = runtime.outbox.table
    before = _set_aside_total()
    caplog.set_level(logging.ERROR, logger="safeguard.outbox")

    # A row no broker of this configuration will take: one byte over its maximum payload.
    connection = runtime.bus.broker._connection  # noqa: SLF001 - the connected client knows the server's limit
    assert connection is not None
    poison_id = str(uuid.uuid4())
    body = '{"payload": "' + POISON_MARK + "x" * connection.max_payload + '"}'
    async with runtime.sessions() as session, session.begin():
        await session.execute(insert(outbox).values(
            event_id=poison_id, subject=runtime.names.subject("referrals.case.probed"), body=body,
            created_at=datetime.now(UTC), attempts=0))
    effects = ReferralEffects.as_business_unit(partnership, issuer)
    case_id = await effects.refer_example_child(issuer)

    # The referral behind the poison reaches every effect.
    [deadline] = await eventually(lambda: effects.rapid_review_complete(case_id), timeout=20)
    assert deadline["due"] == "2027-01-14"
    assert await eventually(lambda: effects.panel_notified(case_id), timeout=20)
    assert await eventually(effects.board_counts, timeout=20)

    # The poison is set aside with its reason, never published, and nothing else is.
    async with runtime.sessions() as session:
        rows = {r.event_id: r for r in (await session.execute(select(outbox))).all()}
    poison = rows.pop(poison_id)
    assert poison.published_at is None and poison.set_aside_at is not None
    assert poison.set_aside_reason.startswith("too_large: ")
    assert rows and all(r.published_at is not None and r.set_aside_at is None for r in rows.values())
    assert await runtime.relay.backlog() == 0

    # The alert: a metric, a log line (its reason, never the body), /health degraded but serving.
    assert _set_aside_total() == before + 1
    [line] = [r for r in caplog.records if r.getMessage().startswith("outbox event set aside")]
    assert line.event_id == poison_id and line.reason == poison.set_aside_reason
    assert POISON_MARK not in caplog.text
    health = await referrals.client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"service": "referrals", "database": "ok", "broker": "ok", "events_set_aside": 1,
                             "status": "degraded"}
    assert (await scheduling.client.get("/health")).json()["status"] == "ok"
