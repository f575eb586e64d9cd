"""NATS_URL may name several seeds of one cluster, separated by commas: the bus connects through any
seed that answers (deploy/README.md and docker-compose.yml say so)."""
from __future__ import annotations

from safeguard_shared.bus.names import BusNames
from safeguard_shared.bus.nats import NatsBus


async def test_a_comma_separated_nats_url_connects_through_the_seed_that_answers(nats_url, bus_namespace):
    dead_seed = "nats://127.0.0.1:1"
    bus = NatsBus(f"{dead_seed}, {nats_url},", BusNames(bus_namespace), "toy")
    await bus.connect_and_declare()
    try:
        assert bus.connected
        info = await bus.jetstream().stream_info(BusNames(bus_namespace).stream("referrals"))
        assert info.config.name == BusNames(bus_namespace).stream("referrals")
    finally:
        await bus.stop()
