"""The consumer's pull loop on a real JetStream server: it keeps its pull requests open rather than
asking for every batch, finds its durable consumer again when it is deleted, and at a stop hands back
at once what had streamed in behind the batch in hand."""
from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import nats
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.bus.nats import NatsBus
from safeguard_shared.contracts.envelope import Envelope
from safeguard_testing.toy import CaseProbed, Toy, eventually


async def _publish(toy: Toy, bus: NatsBus, label: str) -> None:
    env = CaseProbed(label=label).envelope(producer="referrals", occurred_at=datetime.now(UTC))
    await bus.publish_event(toy.names.subject(CaseProbed.event_type), env.to_json(), env.event_id)


async def _labels_if(toy: Toy, n: int) -> list[str] | None:
    labels = await toy.effect_labels()
    return labels if len(labels) >= n else None


async def test_a_consumer_asks_the_server_a_few_times_a_second_not_for_every_batch(toy, nats_url):
    """Forty events published one at a time, each handled before the next is sent, so each is a batch
    of its own. A plain subscriber on the consumer's request subject sees every pull request: a couple
    a second, where nats-py's fetch made two or three for every batch (80 and more here)."""
    bus = toy.bus()
    await bus.connect_and_declare()
    stream, durable = toy.names.stream("referrals"), toy.names.durable("toy", "referrals")
    watcher = await nats.connect(nats_url)
    requests: list[bytes] = []

    async def seen(msg) -> None:
        requests.append(msg.data)

    await watcher.subscribe(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}", cb=seen)
    bus.subscribe(toy.subscription(), toy.inbox)
    await bus.start()
    began = time.monotonic()
    try:
        for n in range(40):
            await _publish(toy, bus, f"event-{n}")
            assert await eventually(lambda n=n: _labels_if(toy, n + 1)), f"event-{n} was not handled"
        elapsed = time.monotonic() - began
    finally:
        await bus.stop()
        await watcher.close()
    assert await toy.effect_labels() == [f"event-{n}" for n in range(40)]
    # One request when the loop starts, then about one for each three quarters of a second it is open.
    assert len(requests) <= 2 + 2 * elapsed, f"{len(requests)} pull requests in {elapsed:.1f} s for 40 batches"


async def test_a_consumer_deleted_under_the_loop_is_declared_again_and_events_still_come(toy, nats_url):
    """An operator deletes the durable consumer while the service runs. The server tells the loop's open
    request (or the next one finds no one to answer it); the loop declares the consumer again, from the
    stream's start, and the event handled before is not handled twice."""
    bus = toy.bus()
    bus.subscribe(toy.subscription(), toy.inbox)
    await bus.start()
    operator = await nats.connect(nats_url)
    try:
        await _publish(toy, bus, "before")
        assert await eventually(lambda: _labels_if(toy, 1))
        await operator.jetstream().delete_consumer(toy.names.stream("referrals"),
                                                   toy.names.durable("toy", "referrals"))
        await _publish(toy, bus, "after")
        assert await eventually(lambda: _labels_if(toy, 2)), "the event after the deletion was not handled"
        await asyncio.sleep(0.3)  # time for a second effect of "before", had the inbox let one through
    finally:
        await bus.stop()
        await operator.close()
    assert await toy.effect_labels() == ["before", "after"]


async def test_events_that_streamed_in_behind_the_batch_in_hand_are_handed_back_at_a_stop(toy, nats_url):
    """The first event's handler is slow; twenty more arrive meanwhile and stream into the subscription
    (its pull request is still open). The service is stopped: it finishes the first and hands the
    twenty back, so the next replica handles them about a second later, once the requests the first
    had open have ended, not after the 30 s ack wait."""
    release, started = asyncio.Event(), asyncio.Event()

    async def slow_first(session: AsyncSession, env: Envelope) -> None:
        if env.payload["label"] == "first":
            started.set()
            await release.wait()
        await toy.record_effect(session, env)

    stream, durable = toy.names.stream("referrals"), toy.names.durable("toy", "referrals")
    first = toy.bus()
    first.subscribe(toy.subscription(handle=slow_first, ack_wait_seconds=30.0), toy.inbox)
    await first.start()
    await _publish(toy, first, "first")
    await asyncio.wait_for(started.wait(), 10)
    for n in range(20):
        await _publish(toy, first, f"later-{n}")
    js = first.jetstream()

    async def all_delivered() -> bool:
        return (await js.consumer_info(stream, durable)).num_ack_pending == 21

    assert await eventually(all_delivered), "the later events did not stream in behind the first"
    stopping = asyncio.create_task(first.stop())
    await asyncio.sleep(0.1)
    release.set()
    await asyncio.wait_for(stopping, 15)

    replica = toy.bus()
    replica.subscribe(toy.subscription(ack_wait_seconds=30.0), toy.inbox)
    await replica.start()
    began = time.monotonic()
    try:
        labels = await eventually(lambda: _labels_if(toy, 21), timeout=10.0)
    finally:
        await replica.stop()
    assert labels is not None, "the events handed back were not handled within 10 s"
    assert time.monotonic() - began < 10.0
    assert labels == ["first", *(f"later-{n}" for n in range(20))]
