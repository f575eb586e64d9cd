"""The fact lost to timing (issue 14), reproduced deterministically with the services as processes.

Scheduling dies holding the ``referrals.case.opened`` of a new case, unacknowledged; JetStream gives it
again only after the consumer's ack wait. Meanwhile notifications, which was stopped, goes on: it sends
the Panel's notice and publishes ``notifications.notification.sent``, which reaches the restarted
scheduling before the case does. The notice must be kept and meet ``rr.panel_notified`` once the case
opens, never be retried into the dead letters (which left the clock pending for ever, to escalate
falsely).

A stopped process's pull request lapses within a second, so SIGSTOP alone would only sometimes leave
the message delivered and unsettled. Here scheduling is held in the middle of the message instead: the
test takes its store's write lock, so the handler waits on it, and JetStream's consumer info says the
message is delivered and awaiting its ack (``num_ack_pending``). Only then is scheduling stopped and
killed with kill -9. The ack wait is the default, 30 s: longer than the consumer's retries of a
failing message (0.5 + 2 + 5 + 15 s), which is what sent the early notice to the dead letters.
"""
from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Iterator

import httpx
import nats
import pytest

from safeguard_shared.bus.names import DEAD_LETTERS, BusNames
from safeguard_testing.apps import example_child_referral
from safeguard_testing.processes import ServiceProcesses, poll

pytestmark = pytest.mark.e2e

ACK_WAIT_SECONDS = 30  # the default (SAFEGUARD_ACK_WAIT_SECONDS)


@pytest.fixture
def services(tmp_path, nats_url, bus_namespace, issuer) -> Iterator[ServiceProcesses]:
    procs = ServiceProcesses(["referrals", "scheduling", "notifications"], data_dir=tmp_path / "var",
                             nats_url=nats_url, namespace=bus_namespace, public_key=issuer.public_key_file)
    procs.start()
    try:
        procs.wait_healthy()
        yield procs
    finally:
        procs.stop_all()


async def _jetstream(nats_url: str, ask):
    nc = await nats.connect(nats_url)
    try:
        return await ask(nc.jetstream())
    finally:
        await nc.close()


def consumer_info(nats_url: str, names: BusNames, consumer: str, producer: str):
    return asyncio.run(_jetstream(nats_url, lambda js: js.consumer_info(names.stream(producer),
                                                                         names.durable(consumer, producer))))


def dead_letters(nats_url: str, names: BusNames) -> int:
    async def count(js) -> int:
        return (await js.stream_info(names.stream(DEAD_LETTERS))).state.messages
    return asyncio.run(_jetstream(nats_url, count))


def test_a_notice_sent_while_scheduling_was_down_holding_its_case_meets_the_clock_once_the_case_opens(
        services, nats_url, bus_namespace, issuer):
    names = BusNames(bus_namespace)
    business_unit = issuer.mint(agency="partnership", roles=["business_unit"])
    referrer = issuer.mint(agency="police", roles=["referrer"])

    services.signal("notifications", signal.SIGSTOP)
    store_lock = sqlite3.connect(services.sqlite_file("scheduling"), isolation_level=None, timeout=30)
    store_lock.execute("BEGIN IMMEDIATE")  # scheduling's handler will wait on this write lock
    try:
        created = httpx.post(f"{services.url('referrals')}/v1/referrals/child", json=example_child_referral(),
                             headers={"Authorization": f"Bearer {referrer}"}, timeout=30)
        assert created.status_code == 201, created.text
        case_id = created.json()["case_id"]
        held = poll(lambda: consumer_info(nats_url, names, "scheduling", "referrals").num_ack_pending == 1, 20)
        assert held, "scheduling never took the case.opened"
        delivered = time.monotonic()
        services.signal("scheduling", signal.SIGSTOP)
        services.kill("scheduling")
    finally:
        store_lock.rollback()
        store_lock.close()
    assert consumer_info(nats_url, names, "scheduling", "referrals").num_ack_pending == 1, \
        "the case.opened is still held by the dead consumer, until the ack wait"

    services.signal("notifications", signal.SIGCONT)

    def panel_notices() -> list[dict]:
        rows = services.get("notifications", "/v1/notifications", business_unit, case_id=case_id)
        return [r for r in rows if r["recipient_kind"] == "national_panel" and r["status"] == "sent"]

    assert poll(panel_notices, 30), "notifications never sent the Panel's notice"
    services.start("scheduling")
    services.wait_healthy("scheduling")
    restarted = time.monotonic() - delivered
    print(f"scheduling was back {restarted:.1f}s after it took the case.opened (ack wait {ACK_WAIT_SECONDS}s)")

    def panel_clock() -> dict | None:
        rows = services.get("scheduling", "/v1/deadlines", business_unit, case_id=case_id)
        met = [r for r in rows if r["key"] == "rr.panel_notified" and r["status"] == "met"]
        return met[0] if met else None

    met = poll(panel_clock, ACK_WAIT_SECONDS + 30)
    assert met, "rr.panel_notified never met: the early notice was refused, and the clock left pending"
    assert met["met_on"] == "2026-12-21" and met["on_time"] is True

    # The notices really came first: scheduling handled them before the case.opened given again.
    with sqlite3.connect(services.sqlite_file("scheduling")) as store:
        order = [kind for (kind,) in store.execute("SELECT event_type FROM inbox WHERE event_type IN "
                                                   "('referrals.case.opened', 'notifications.notification.sent') "
                                                   "ORDER BY handled_at")]
    assert order[0] == "notifications.notification.sent" and order[-1] == "referrals.case.opened", order
    assert dead_letters(nats_url, names) == 0, "nothing was dead-lettered"
    assert services.get("scheduling", "/v1/early-facts", business_unit, older_than="PT0S")["count"] == 0
    assert len(panel_notices()) == 1, "one notice to the Panel"
