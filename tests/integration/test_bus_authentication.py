"""Only the services may speak on the bus, each only for itself.

A broker configured as ``safeguard up`` configures the embedded one (one user per service and the
operator, safeguard_shared.bus.access) runs the five services, each with its own credentials: a real
referral reaches the clock, the national Panel and the board. Then a forger publishes a
``referrals.case.opened`` for a case that does not exist, first without credentials, then with the
audits service's: refused both times, the event never reaches the referrals stream and no notice is
sent. The same forgery from the operator, who may do everything, does send one: the refusal is the
broker's permissions, not a malformed event.
"""
from __future__ import annotations

import asyncio
import importlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.errors import Error as NatsError
from sqlalchemy import select

from reporting.replay import replay
from safeguard_cli.bus_users import ensure_passwords
from safeguard_cli.nats_server import EmbeddedNats
from safeguard_shared.bus.access import CONSUMES, OPERATOR, BusCredentials, authorization_block
from safeguard_shared.bus.dispatch import producers
from safeguard_shared.bus.names import PRODUCERS, BusNames, ensure_streams
from safeguard_shared.bus.nats import NatsBus
from safeguard_shared.clock import FixedDateClock
from safeguard_shared.contracts.envelope import Event
from safeguard_testing.apps import EXAMPLE_DATE, SERVICES, ReferralEffects, running
from safeguard_testing.ports import free_port
from safeguard_testing.toy import Toy, eventually, outbox_table

names = BusNames()


@pytest.fixture
def secured_broker(tmp_path):
    """A private nats-server with the embedded default's users and permissions (no namespace)."""
    passwords = ensure_passwords(tmp_path / "broker")
    server = EmbeddedNats(tmp_path / "broker" / "nats", port=free_port(),
                          authorization=authorization_block(passwords, names))
    server.start()
    yield server.url, passwords
    server.stop()


@pytest.fixture
async def partnership(secured_broker, sqlite_databases, tmp_path, issuer):
    url, passwords = secured_broker
    own = {name: {"nats_user": name, "nats_password": passwords[name]} for name in SERVICES}
    async with running(SERVICES, databases=sqlite_databases, nats_url=url, bus_namespace="", data_dir=tmp_path,
                       issuer=issuer, clock=FixedDateClock(EXAMPLE_DATE), settings=own) as services:
        yield services


@pytest.mark.parametrize("service", sorted(CONSUMES))
def test_the_broker_lets_each_service_read_exactly_the_streams_it_handles(service):
    handlers = importlib.import_module(f"{service}.application.event_handlers").EVENT_HANDLERS
    assert sorted(CONSUMES[service]) == producers(handlers)


async def _connect(url: str, credentials: BusCredentials | None, refusals: list[str]) -> nats.NATS:
    async def note(exc: Exception) -> None:
        refusals.append(str(exc))

    options = credentials.connect_options() if credentials else {}
    return await nats.connect(url, allow_reconnect=False, connect_timeout=2, error_cb=note, **options)


async def test_a_forged_case_opened_is_refused_without_credentials_and_with_another_services(
        secured_broker, partnership, issuer, tmp_path):
    url, passwords = secured_broker
    notifications = partnership["notifications"]

    # The real referral, through the services' own credentials, reaches every effect.
    effects = ReferralEffects.as_business_unit(partnership, issuer)
    case_id = await effects.refer_example_child(issuer)
    assert await eventually(lambda: effects.panel_notified(case_id), timeout=20)
    assert await eventually(effects.board_counts, timeout=20)

    # The forgery: the real event with another case id and a new event id.
    refusals: list[str] = []
    operator = await _connect(url, BusCredentials(OPERATOR, passwords[OPERATOR]), refusals)
    js = operator.jetstream()
    referrals_stream = names.stream("referrals")
    stream = (await js.stream_info(referrals_stream)).state
    opened = next(m for m in [await js.get_msg(referrals_stream, seq) for seq in range(1, stream.last_seq + 1)]
                  if m.subject == "referrals.case.opened")
    forged = json.loads(opened.data)
    forged["event_id"] = str(uuid.uuid4())
    forged_case = forged["payload"]["case_id"] = str(uuid.uuid4())
    body = json.dumps(forged).encode()

    # Without credentials the broker does not even let the connection in.
    with pytest.raises(NatsError, match="Authorization Violation"):
        await _connect(url, None, [])

    # With the audits service's credentials: connected, but not permitted to publish referrals' events,
    # nor to read the referrals stream other than through its own consumer.
    audits = await _connect(url, BusCredentials("audits", passwords["audits"]), refusals)
    try:
        with pytest.raises(TimeoutError):
            await audits.jetstream().publish("referrals.case.opened", body, timeout=2)
        with pytest.raises(TimeoutError):
            await audits.jetstream().get_msg(referrals_stream, opened.seq)
    finally:
        await audits.close()
    assert any('publish to "referrals.case.opened"' in r for r in refusals), refusals
    reached = (await js.stream_info(referrals_stream)).state.messages
    assert reached == stream.messages, "the forgery never reached the stream"
    await asyncio.sleep(2)  # time for a notice, had the forgery got through
    assert await effects.notices(forged_case) == [], "no notice was sent"

    # The control: the same event from the operator is accepted, and does send the notice.
    await js.publish("referrals.case.opened", body, timeout=5)
    [notice] = await eventually(lambda: effects.panel_notified(forged_case), timeout=20)
    assert (notifications.data_dir / "outbox" / f"{notice['notification_id']}.eml").exists()

    # Reporting's replay reads every stream from the start with reporting's own credentials (the
    # services are still at work on the control's effects meanwhile: at least what was there).
    total = sum([(await js.stream_info(names.stream(p))).state.messages for p in PRODUCERS])
    await operator.close()
    stats = await replay(partnership["reporting"].settings, out=None)
    assert stats.events >= total and stats.by_stream[referrals_stream] == 2 and stats.rejected == 0


@pytest.mark.parametrize("service", sorted(CONSUMES))
async def test_a_service_publishes_its_own_events_and_dead_letters_and_no_one_elses(secured_broker, service):
    url, passwords = secured_broker
    operator = await _connect(url, BusCredentials(OPERATOR, passwords[OPERATOR]), [])
    await ensure_streams(operator.jetstream(), names)
    refusals: list[str] = []
    nc = await _connect(url, BusCredentials(service, passwords[service]), refusals)
    js = nc.jetstream()
    try:
        if service in PRODUCERS:
            assert (await js.publish(f"{service}.case.probed", b"{}", timeout=2)).stream == names.stream(service)
        assert (await js.publish(names.dead_letter_subject(service), b"{}", timeout=2)).stream == "DEAD_LETTERS"
        for other in (p for p in PRODUCERS if p != service):
            with pytest.raises(TimeoutError):
                await js.publish(f"{other}.case.probed", b"{}", timeout=1)
        with pytest.raises(TimeoutError):
            await js.publish(names.dead_letter_subject(OPERATOR), b"{}", timeout=1)
    finally:
        await nc.close()
        await operator.close()
    assert len(refusals) == len(PRODUCERS) - (service in PRODUCERS) + 1, refusals


def test_the_embedded_broker_keeps_its_passwords_private_and_the_same_across_restarts(tmp_path: Path):
    first = ensure_passwords(tmp_path)
    assert set(first) == {*CONSUMES, OPERATOR}
    assert ensure_passwords(tmp_path) == first
    [credentials] = (tmp_path / "nats").glob("credentials.json")
    assert credentials.stat().st_mode & 0o777 == 0o600


class AuditProbed(Event):
    """A test-only event on the audits stream."""

    event_type = "audits.audit.probed"
    schema_version = 1
    label: str


async def test_a_relay_sets_aside_an_event_its_service_may_not_publish_and_goes_on(secured_broker, sqlite_databases):
    """A service whose outbox somehow holds another's event cannot publish it: the relay sets it aside
    as not permitted (a permanent refusal, not a broker away) and publishes the service's own events."""
    url, passwords = secured_broker
    toy = Toy(sqlite_databases.new("audits"), url, "", service="audits")
    await toy.start_store()
    bus = NatsBus(url, toy.names, "audits", credentials=BusCredentials("audits", passwords["audits"]))
    await bus.connect_and_declare()
    try:
        forged = await toy.emit("forged")  # referrals.case.probed
        async with toy.sessions() as session, session.begin():
            own = await toy.outbox.add(session, AuditProbed(label="own"), occurred_at=datetime.now(UTC))
        assert await toy.relay(bus).run_once() == 2
        async with toy.sessions() as session:
            rows = {r.event_id: r for r in (await session.execute(select(outbox_table))).all()}
        assert rows[forged.event_id].set_aside_reason == \
            f"not_permitted: this service may not publish on {forged.event_type}"
        assert rows[forged.event_id].published_at is None
        assert rows[own.event_id].published_at is not None and rows[own.event_id].set_aside_at is None
    finally:
        await bus.stop()
        await toy.close()
