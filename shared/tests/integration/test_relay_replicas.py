"""Two replicas of a service share one PostgreSQL store and its outbox: their relays, running at once
while events keep being written, publish every event to the real NATS server once, in the order the
events were committed, and skip none."""
from __future__ import annotations

import nats
import pytest

from safeguard_shared.contracts.envelope import Envelope
from safeguard_testing.toy import Toy, eventually

pytestmark = pytest.mark.postgres

EVENTS = 120


@pytest.fixture
async def toy(nats_url, bus_namespace, postgres_databases):
    t = Toy(await postgres_databases.anew("relays"), nats_url, bus_namespace)
    await t.start_store()
    yield t
    await t.close()


async def _published_labels(nats_url: str, toy: Toy) -> list[str]:
    """Every message on the stream, in stream order (an ordered consumer reads them all)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(toy.names.stream("referrals"))
        sub = await js.subscribe(toy.names.subject("referrals.>"), ordered_consumer=True)
        labels = []
        for _ in range(info.state.messages):
            msg = await sub.next_msg(timeout=5)
            labels.append(Envelope.from_json(msg.data).payload["label"])
        await sub.unsubscribe()
        return labels
    finally:
        await nc.close()


async def test_two_relays_on_one_postgres_store_publish_every_event_once_in_order(toy, nats_url):
    buses = [toy.bus(), toy.bus()]
    for bus in buses:
        await bus.connect_and_declare()
    relays = [toy.relay(bus) for bus in buses]
    for relay in relays:
        relay.batch_size = 7  # small rounds, so the two relays contend for the rows many times
        relay.start()
    try:
        labels = [f"event-{n:03d}" for n in range(EVENTS)]
        for n, label in enumerate(labels):
            await toy.emit(label)
            relays[n % 2].wake()  # as a replica's use case wakes its own relay on commit
        assert await eventually(lambda: _all_published(toy), timeout=30)
        published = await _published_labels(nats_url, toy)
        assert len(published) == len(set(published)), "an event was published twice"
        assert set(published) == set(labels), "an event was skipped"
        assert published == labels, "an event overtook one committed before it"
    finally:
        for relay in relays:
            await relay.stop()
        for bus in buses:
            await bus.stop()


async def _all_published(toy: Toy) -> bool:
    from sqlalchemy import func, select

    from safeguard_testing.toy import outbox_table

    async with toy.sessions() as session:
        left = (await session.execute(select(func.count()).select_from(outbox_table).where(
            outbox_table.c.published_at.is_(None)))).scalar_one()
    return left == 0
