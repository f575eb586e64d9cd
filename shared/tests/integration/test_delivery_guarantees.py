"""The delivery guarantees, proved on a real NATS JetStream server (never the in-memory broker).

Each test narrates one promise of docs/architecture.md: what a partnership relies on when a referral's
events must reach the clock, the notifications and the reports exactly once.
"""
from __future__ import annotations

import asyncio

import nats
import pytest

from safeguard_shared.contracts.envelope import Envelope
from safeguard_testing.toy import CaseProbed, Toy, eventually


async def _stream_messages(nats_url: str, stream: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return (await nc.jetstream().stream_info(stream)).state.messages
    finally:
        await nc.close()


async def _dead_letters(nats_url: str, toy: Toy) -> list:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(toy.names.subject("deadletter.>"), stream=toy.names.stream("dead_letters"))
        try:
            msgs = await sub.fetch(10, timeout=1.0)
        except nats.errors.TimeoutError:
            msgs = []
        for m in msgs:
            await m.ack()
        return msgs
    finally:
        await nc.close()


async def test_the_same_event_published_twice_is_stored_once(toy, nats_url):
    bus = toy.bus()
    await bus.connect_and_declare()
    try:
        env = await toy.emit("serious incident")
        subject = toy.names.subject(env.event_type)
        await bus.publish_event(subject, env.to_json(), env.event_id)
        await bus.publish_event(subject, env.to_json(), env.event_id)
        assert await _stream_messages(nats_url, toy.names.stream("referrals")) == 1
    finally:
        await bus.broker.stop()


async def test_a_redelivered_event_has_one_effect(toy, nats_url):
    """The consumer committed its effect, then died before acking: JetStream redelivers after
    ack_wait, and the inbox makes the second delivery a no-op."""
    bus = toy.bus()
    await bus.connect_and_declare()
    relay = toy.relay(bus)
    await toy.emit("first delivery dies before the ack")
    assert await relay.run_once() == 1

    sub = toy.subscription(ack_wait_seconds=1.0)
    durable = toy.names.durable(sub.consumer, sub.producer)
    from nats.js.api import ConsumerConfig

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    psub = await js.pull_subscribe(toy.names.subject("referrals.>"), durable=durable,
                                   stream=toy.names.stream("referrals"),
                                   config=ConsumerConfig(ack_wait=1.0, max_deliver=4))
    [first] = await psub.fetch(1, timeout=5)
    assert await toy.inbox.handle_once("toy", Envelope.from_json(first.data), toy.record_effect)
    await nc.close()  # the "crash": no ack ever reaches the server
    await bus.broker.stop()

    consumer_bus = toy.bus()
    consumer_bus.subscribe(sub, toy.inbox)
    await consumer_bus.start()
    try:
        await asyncio.sleep(3.0)  # past ack_wait: the server has redelivered by now
        assert await toy.effect_count() == 1
        info = await consumer_bus.jetstream().consumer_info(toy.names.stream("referrals"), durable)
        assert info.num_ack_pending == 0 and info.num_pending == 0
        assert info.delivered.consumer_seq >= 2, "the event was delivered a second time"
    finally:
        await consumer_bus.stop()


async def test_a_handler_that_keeps_failing_ends_in_the_dead_letters_while_later_events_flow(toy, nats_url):
    toy.poison_labels = {"poison"}
    bus = toy.bus()
    bus.subscribe(toy.subscription(), toy.inbox)
    await bus.start()
    relay = toy.relay(bus)
    relay.start()
    try:
        await toy.emit("poison")
        for label in ("after-1", "after-2", "after-3"):
            await toy.emit(label)
        labels = await eventually(lambda: _labels_if(toy, 3))
        assert labels == ["after-1", "after-2", "after-3"]
        letters = await eventually(lambda: _dead_letters(nats_url, toy), timeout=10)
        assert len(letters) == 1
        headers = letters[0].headers
        assert headers["Safeguard-Reason"].startswith("failed 3 times: RuntimeError: cannot handle poison")
        assert headers["Safeguard-Consumer"] == "toy"
        assert headers["Safeguard-Attempts"] == "3"
        assert Envelope.from_json(letters[0].data).payload["label"] == "poison", "the event itself is kept"
    finally:
        await relay.stop()
        await bus.stop()


async def _labels_if(toy: Toy, n: int):
    labels = await toy.effect_labels()
    return labels if len(labels) >= n else None


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way up handles it."""


async def test_a_relay_killed_after_publishing_and_before_marking_causes_no_duplicate_effect(toy, nats_url):
    bus = toy.bus()
    bus.subscribe(toy.subscription(), toy.inbox)
    await bus.start()
    try:
        await toy.emit("published, never marked")
        doomed = toy.relay(bus)

        def die(_event_id: str) -> None:
            raise Crash()

        doomed.after_publish = die
        with pytest.raises(Crash):
            await doomed.run_once()
        assert await doomed.backlog() == 1, "the crash left the row unmarked"

        restarted = toy.relay(bus)
        assert await restarted.run_once() == 1  # publishes again, then marks
        assert await restarted.backlog() == 0
        assert await eventually(toy.effect_count) == 1
        await asyncio.sleep(1.0)
        assert await toy.effect_count() == 1
        assert await _stream_messages(nats_url, toy.names.stream("referrals")) == 1
    finally:
        await bus.stop()


async def test_a_republished_event_after_the_duplicate_window_still_has_one_effect(toy, nats_url):
    """Past JetStream's duplicate window the stream keeps both copies; the inbox is the second line."""
    bus = toy.bus()
    bus.subscribe(toy.subscription(), toy.inbox)
    await bus.start()
    try:
        env = await toy.emit("twice in the stream")
        subject = toy.names.subject(env.event_type)
        await bus.publish_event(subject, env.to_json(), env.event_id)
        # Same event, different message id: what a republish looks like once the window has passed.
        await bus.broker.publish(env.to_json(), subject, headers={"Nats-Msg-Id": env.event_id + "-late"},
                                 stream=toy.names.stream("referrals"))
        assert await _stream_messages(nats_url, toy.names.stream("referrals")) == 2
        assert await eventually(toy.effect_count) == 1
        await asyncio.sleep(1.0)
        assert await toy.effect_count() == 1
    finally:
        await bus.stop()


# The second case documents its contract in the AsyncAPI document (as every service's consumer does):
# the body still reaches the wrapper raw, so a malformed event is dead-lettered, not dropped by FastStream.
@pytest.mark.parametrize("contracts", [(), (CaseProbed,)], ids=["undocumented", "documented"])
async def test_a_malformed_event_goes_to_the_dead_letters_and_does_not_stop_the_consumer(toy, nats_url, contracts):
    bus = toy.bus()
    bus.subscribe(toy.subscription(contracts=contracts), toy.inbox)
    await bus.start()
    relay = toy.relay(bus)
    try:
        subject = toy.names.subject("referrals.case.probed")
        await bus.broker.publish(b"{not json", subject, headers={"Nats-Msg-Id": "garbage-1"},
                                 stream=toy.names.stream("referrals"))
        await bus.broker.publish(b'{"event_type": "referrals.case.probed"}', subject,
                                 headers={"Nats-Msg-Id": "garbage-2"}, stream=toy.names.stream("referrals"))
        await toy.emit("well-formed")
        await relay.run_once()
        assert await eventually(lambda: _labels_if(toy, 1)) == ["well-formed"]
        letters = await eventually(lambda: _dead_letters_n(nats_url, toy, 2), timeout=10)
        reasons = sorted(m.headers["Safeguard-Reason"] for m in letters)
        assert len(reasons) == 2 and all(r.startswith("malformed event:") for r in reasons)
        assert {m.data for m in letters} == {b"{not json", b'{"event_type": "referrals.case.probed"}'}
    finally:
        await bus.stop()


_collected: dict = {}


async def _dead_letters_n(nats_url: str, toy: Toy, n: int):
    got = _collected.setdefault(toy.namespace, [])
    got.extend(await _dead_letters(nats_url, toy))
    return got if len(got) >= n else None
