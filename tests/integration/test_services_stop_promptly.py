"""A service told to stop, stops: an operator's restart, a rolling deploy and a test's teardown all
rely on it, and it must hold at the moment that matters most — just after a referral was taken.

Regression: the relay once waited with ``asyncio.wait_for``, which on Python 3.11 swallows a
cancellation that lands as the awaited event is set (CPython gh-86296); stop() then never returned.
"""
from __future__ import annotations

import asyncio
import time

from referrals.adapters.orm import outbox
from safeguard_shared.bus.outbox import OutboxRelay
from safeguard_testing.apps import SERVICES, bearer, example_child_referral, migrated, running


async def _publish_nothing(_subject: str, _body: bytes, _event_id: str) -> None:
    return None


async def test_a_relay_woken_just_before_stopping_still_stops(sqlite_databases, tmp_path, issuer):
    async with migrated("referrals", database_url=sqlite_databases.new("referrals"), data_dir=tmp_path,
                        issuer=issuer) as referrals:
        # The referrals service's own store and outbox; a poll long enough that only wake() moves it.
        relay = OutboxRelay(referrals.runtime.sessions, outbox, _publish_nothing, postgres=False,
                            service="referrals", poll_seconds=60)
        relay.start()
        task = relay._task
        await asyncio.sleep(0.3)  # its first round is done: it waits to be woken

        relay.wake()                                # a referral has just committed its CaseOpened...
        stopping = asyncio.create_task(relay.stop())  # ...as the service is told to stop
        done, _ = await asyncio.wait([stopping], timeout=1)

        try:
            assert stopping in done, "the relay ignored its cancellation; stop() never returns"
        finally:
            for _ in range(50):
                if task.done():
                    break
                task.cancel()
                await asyncio.wait([task], timeout=0.1)
            await asyncio.wait([stopping], timeout=1)


async def test_a_relay_whose_publish_swallows_the_cancellation_still_stops(sqlite_databases, tmp_path, issuer):
    """nats-py waits for a publish's acknowledgement with ``asyncio.wait_for``, which on Python 3.11 can
    drop a cancellation that lands as the acknowledgement arrives (CPython gh-86296). The relay then went
    on polling, and a service's stop waited the whole shutdown step (10 s) for it."""
    swallowed = []

    async def publish_swallowing_a_cancellation(_subject: str, _body: bytes, _event_id: str) -> None:
        try:
            await asyncio.sleep(0.05)  # the broker's round trip
        except asyncio.CancelledError:
            swallowed.append(True)  # the acknowledgement won the race: the publish returns as done

    async with migrated("referrals", database_url=sqlite_databases.new("referrals"), data_dir=tmp_path,
                        issuer=issuer) as referrals:
        created = await referrals.client.post("/v1/referrals/child", json=example_child_referral(),
                                              headers=bearer(issuer, "police", "referrer"))
        assert created.status_code == 201  # its CaseOpened waits in the outbox
        relay = OutboxRelay(referrals.runtime.sessions, outbox, publish_swallowing_a_cancellation, postgres=False,
                            service="referrals", poll_seconds=0.01)
        relay.start()
        task = relay._task
        await asyncio.sleep(0.02)  # mid-publish

        stopping = asyncio.create_task(relay.stop())
        done, _ = await asyncio.wait([stopping], timeout=3)

        try:
            assert swallowed, "the cancellation reached the publish"
            assert stopping in done, "the relay went on after its cancellation was swallowed; stop() never returned"
        finally:
            task.cancel()
            stopping.cancel()


async def test_all_five_services_stop_within_seconds_of_taking_a_referral(sqlite_databases, nats_url, bus_namespace,
                                                                          tmp_path, issuer):
    """An operator restarts the stack just as a referral comes in: relays, consumers, the clock's
    ticker and the mail dispatcher are all busy or just woken, and every one of them still stops."""
    async with running(SERVICES, databases=sqlite_databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer) as services:
        created = await services["referrals"].client.post("/v1/referrals/child", json=example_child_referral(),
                                                          headers=bearer(issuer, "police", "referrer"))
        assert created.status_code == 201
        told_to_stop = time.monotonic()

    assert time.monotonic() - told_to_stop < 10
