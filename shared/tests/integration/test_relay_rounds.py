"""The outbox relay's rounds on a real store and broker: each round runs the same two statements, made
once (building a statement and its cache key cost SQLAlchemy about as much as running it, and a relay
runs a round after every commit that recorded events and every quarter of a second besides)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Update, event

from safeguard_testing.toy import eventually


async def test_each_relay_round_reads_and_marks_the_outbox_with_statements_made_once(toy, nats_url):
    bus = toy.bus()
    await bus.connect_and_declare()
    relay = toy.relay(bus)
    statements: list[Any] = []

    def seen(conn, clauseelement, multiparams, params, execution_options) -> None:
        if isinstance(clauseelement, Select | Update):
            statements.append(clauseelement)

    event.listen(toy.engine.sync_engine, "before_execute", seen)
    try:
        for n in range(3):
            await toy.emit(f"event-{n}")
            assert await relay.run_once() == 1
    finally:
        event.remove(toy.engine.sync_engine, "before_execute", seen)
        await bus.broker.stop()
    assert await relay.backlog() == 0

    async def published() -> int:
        probe = toy.bus()
        await probe.connect_and_declare()
        try:
            return (await probe.jetstream().stream_info(toy.names.stream("referrals"))).state.messages
        finally:
            await probe.broker.stop()

    assert await eventually(lambda: published()) == 3
    reads = [s for s in statements if isinstance(s, Select)]
    marks = [s for s in statements if isinstance(s, Update)]
    assert len(reads) == 3 and len(marks) == 3, "one read and one mark a round"
    assert len({id(s) for s in reads}) == 1 and len({id(s) for s in marks}) == 1, "a round built its statements anew"
