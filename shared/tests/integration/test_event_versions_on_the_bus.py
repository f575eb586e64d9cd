"""On a real JetStream server: an event of a newer schema version than the consumer's build knows is
not acknowledged and dropped; it is retried, then set aside in the dead letters with its reason (to be
redriven after the upgrade), and the events behind it still flow."""
from __future__ import annotations

from datetime import UTC, datetime

import nats
from sqlalchemy import insert

from safeguard_shared.bus.dispatch import EventDispatcher
from safeguard_shared.contracts.envelope import Envelope
from safeguard_shared.unit_of_work import UnitOfWork
from safeguard_testing.toy import CaseProbed, Toy, effects, eventually


async def _dead_letters(nats_url: str, toy: Toy) -> list:
    nc = await nats.connect(nats_url)
    try:
        sub = await nc.jetstream().pull_subscribe(toy.names.subject("deadletter.>"),
                                                  stream=toy.names.stream("dead_letters"))
        try:
            return await sub.fetch(10, timeout=1.0)
        except nats.errors.TimeoutError:
            return []
    finally:
        await nc.close()


async def test_a_newer_version_is_dead_lettered_with_its_reason_and_later_events_flow(toy, nats_url):
    from safeguard_shared.clock import Clock

    async def when_probed_record_it(event: CaseProbed, uow: UnitOfWork) -> None:
        await uow.session.execute(insert(effects).values(consumer="toy", event_id="-", label=event.label))

    dispatcher = EventDispatcher({CaseProbed: [when_probed_record_it]}, toy.outbox, Clock())
    bus = toy.bus()
    bus.subscribe(toy.subscription(handle=dispatcher), toy.inbox)
    await bus.start()
    relay = toy.relay(bus)
    try:
        newer = Envelope(event_type=CaseProbed.event_type, schema_version=2, occurred_at=datetime.now(UTC),
                         correlation_id="c", producer="referrals", payload={"label": "from-the-future"})
        await bus.broker.publish(newer.to_json(), toy.names.subject(CaseProbed.event_type),
                                 headers={"Nats-Msg-Id": newer.event_id}, stream=toy.names.stream("referrals"))
        await toy.emit("today")
        await relay.run_once()
        assert await eventually(lambda: _labels(toy)) == ["today"]
        letters = await eventually(lambda: _dead_letters(nats_url, toy), timeout=15)
        assert len(letters) == 1
        reason = letters[0].headers["Safeguard-Reason"]
        assert reason.startswith("failed 3 times: UnknownSchemaVersion: referrals.case.probed version 2")
        assert "upgrade this service, then redrive" in reason
        assert Envelope.from_json(letters[0].data).payload == {"label": "from-the-future"}, "the event is kept"
        assert await toy.effect_labels() == ["today"], "the newer event had no effect"
    finally:
        await bus.stop()


async def _labels(toy: Toy) -> list[str] | None:
    labels = await toy.effect_labels()
    return labels or None
