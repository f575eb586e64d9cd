"""A durable consumer is filtered on the event types its service answers, where the server can: the
broker the tests are given (NATS 2.9 on the development machines) and the embedded default's own
(2.15), each on real parts. Events of other types never reach the consumer there; on 2.9, which filters
a consumer on one subject at most, they do and are passed over."""
from __future__ import annotations

from datetime import UTC, datetime

import nats
import pytest

from safeguard_cli.nats_server import EmbeddedNats
from safeguard_shared.bus.nats import NatsBus
from safeguard_shared.bus.pull import filters
from safeguard_shared.contracts.envelope import Envelope, Event
from safeguard_testing.ports import free_port
from safeguard_testing.toy import CaseProbed, Toy, eventually


class CaseNoticed(Event):
    """Another test-only event on the referrals stream, which the toy answers."""

    event_type = "referrals.case.noticed"
    schema_version = 1
    label: str


class CaseOverlooked(Event):
    """One the toy does not answer."""

    event_type = "referrals.case.overlooked"
    schema_version = 1
    label: str


ANSWERED = (CaseProbed.event_type, CaseNoticed.event_type)


def _answers(env: Envelope) -> bool:
    # What the service's dispatcher says of a type its table does not hold (Subscription.concerns).
    return env.event_type in ANSWERED


@pytest.fixture(scope="module")
def embedded_nats(tmp_path_factory):
    server = EmbeddedNats(tmp_path_factory.mktemp("nats-2.15"), port=free_port())
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(params=["given", "embedded"])
async def toy_on(request, nats_url, bus_namespace, sqlite_databases):
    """The toy service on the broker the tests are given, then on the embedded default's own."""
    url = nats_url if request.param == "given" else request.getfixturevalue("embedded_nats")
    t = Toy(sqlite_databases.new("toy"), url, bus_namespace)
    await t.start_store()
    yield t
    await t.close()


async def _publish(toy: Toy, bus: NatsBus, event: Event) -> None:
    env = event.envelope(producer="referrals", occurred_at=datetime.now(UTC))
    await bus.publish_event(toy.names.subject(env.event_type), env.to_json(), env.event_id)


async def _labels_if(toy: Toy, n: int) -> list[str] | None:
    labels = await toy.effect_labels()
    return labels if len(labels) >= n else None


async def _server_version(url: str) -> tuple[int, int]:
    nc = await nats.connect(url)
    try:
        version = nc.connected_server_version
        return version.major, version.minor
    finally:
        await nc.close()


async def test_a_consumer_is_delivered_only_the_types_it_answers_where_the_server_filters_on_several(toy_on):
    """Two of the stream's three types answered. On 2.10 and later the durable consumer is filtered on
    those two and the third is never delivered; on 2.9 it reads the whole stream and passes the third
    over. Either way the two answered are handled, once."""
    toy = toy_on
    server = await _server_version(toy.nats_url)
    async with toy.consuming(subjects=ANSWERED, concerns=_answers) as bus:
        await _publish(toy, bus, CaseOverlooked(label="overlooked"))
        await _publish(toy, bus, CaseProbed(label="probed"))
        await _publish(toy, bus, CaseNoticed(label="noticed"))
        assert await eventually(lambda: _labels_if(toy, 2)) == ["probed", "noticed"]
        info = await bus.jetstream().consumer_info(toy.names.stream("referrals"), toy.names.durable("toy", "referrals"))
    declared = sorted(info.config.filter_subjects or [info.config.filter_subject])
    whole = toy.names.subject("referrals.>")
    assert declared == filters(tuple(toy.names.subject(s) for s in ANSWERED), whole, server)
    if server >= (2, 10):
        assert declared == sorted(toy.names.subject(s) for s in ANSWERED)
        assert info.delivered.consumer_seq == 2, "an event of a type the service does not answer was delivered"
    else:
        assert declared == [whole]
        assert info.delivered.consumer_seq == 3
    assert info.num_pending == 0 and info.num_ack_pending == 0


async def test_a_consumer_declared_on_the_whole_stream_is_filtered_in_place_keeping_its_place(toy_on):
    """An earlier version of the service declared its consumer on the whole stream and handled two
    events. Started again answering two types, on 2.10 and later its consumer is filtered on them in
    place: nothing handled is delivered again, and a later event of the third type is not delivered.
    On 2.9 the consumer is left as it was declared and goes on."""
    toy = toy_on
    server = await _server_version(toy.nats_url)
    stream, durable = toy.names.stream("referrals"), toy.names.durable("toy", "referrals")
    async with toy.consuming() as earlier:  # no subjects: the whole stream
        await _publish(toy, earlier, CaseProbed(label="first"))
        await _publish(toy, earlier, CaseOverlooked(label="overlooked-then"))
        assert await eventually(lambda: _labels_if(toy, 2)) == ["first", "overlooked-then"]

    async with toy.consuming(subjects=ANSWERED, concerns=_answers) as later:
        await _publish(toy, later, CaseOverlooked(label="overlooked-now"))
        await _publish(toy, later, CaseNoticed(label="noticed"))
        assert await eventually(lambda: _labels_if(toy, 3)) == ["first", "overlooked-then", "noticed"]
        info = await later.jetstream().consumer_info(stream, durable)
    declared = sorted(info.config.filter_subjects or [info.config.filter_subject])
    if server >= (2, 10):
        assert declared == sorted(toy.names.subject(s) for s in ANSWERED)
        assert info.delivered.consumer_seq == 3, "the consumer lost its place, or was given the overlooked event"
    else:
        assert declared == [toy.names.subject("referrals.>")]
        assert info.delivered.consumer_seq == 4
    assert info.num_pending == 0 and info.num_ack_pending == 0
