"""The batch consumer on a real JetStream server: a backlog is handled a batch at a time, in one
transaction, and still each case's events keep their order and one bad event spoils nothing else."""
from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.bus.batch import case_key
from safeguard_shared.bus.nats import NatsBus
from safeguard_shared.contracts.envelope import Envelope
from safeguard_shared.db import append, begin_for_savepoints, create_engine, session_factory
from safeguard_testing.toy import CaseProbed, Toy, effects, eventually


async def _publish_backlog(toy: Toy, bus, events: list[tuple[str, str]]) -> None:
    """(label, case) pairs published straight onto the stream, in this order, before any consumer runs."""
    for label, case in events:
        env = CaseProbed(label=label).envelope(producer="referrals", occurred_at=datetime.now(UTC))
        env = env.model_copy(update={"payload": {**env.payload, "case_id": case}})
        await bus.publish_event(toy.names.subject(CaseProbed.event_type), env.to_json(), env.event_id)


def _consuming(toy: Toy, backlog: list[tuple[str, str]], **subscription: Any) -> AbstractAsyncContextManager[NatsBus]:
    """The backlog published onto the stream first, then the toy's consumer started on it; stopped after."""
    return toy.consuming(before=lambda bus: _publish_backlog(toy, bus, backlog), **subscription)


async def _labels_if(toy: Toy, n: int) -> list[str] | None:
    labels = await toy.effect_labels()
    return labels if len(labels) >= n else None


async def test_a_case_whose_first_event_fails_once_keeps_its_events_in_order(toy, nats_url):
    """Case A's opening event fails on its first delivery (its handler's store blinks for 0.3 s); the
    batch holds A's later events behind it, while case B's events, in the same batch, go through."""
    blinked_until: list[float] = []

    async def flaky_first(session: AsyncSession, env: Envelope) -> None:
        label = env.payload["label"]
        if label == "A1":
            if not blinked_until:
                blinked_until.append(time.monotonic() + 0.3)
            if time.monotonic() < blinked_until[0]:
                raise RuntimeError("the store blinked")
        await session.execute(insert(effects).values(consumer="toy", event_id=env.event_id, label=label))

    backlog = [("A1", "case-a"), ("B1", "case-b"), ("A2", "case-a"), ("B2", "case-b"), ("A3", "case-a")]
    async with _consuming(toy, backlog, handle=flaky_first, backoff_seconds=(0.5,)):
        labels = await eventually(lambda: _labels_if(toy, 5))
        assert [label for label in labels if label.startswith("A")] == ["A1", "A2", "A3"]
        assert [label for label in labels if label.startswith("B")] == ["B1", "B2"]
        assert labels.index("B2") < labels.index("A1"), "case B did not wait for case A"


async def test_a_poisoned_event_in_a_batch_undoes_nothing_of_the_others(toy, nats_url):
    """Four events of four cases in one batch; the second is poison: its handler writes, then raises. Its
    write is undone and it ends in the dead letters; the other three keep their effects, once each."""
    async def writes_then_fails_on_poison(session: AsyncSession, env: Envelope) -> None:
        label = env.payload["label"]
        await session.execute(insert(effects).values(consumer="toy", event_id=env.event_id, label=label))
        if label == "poison":
            raise RuntimeError("cannot handle poison")

    backlog = [("first", "c1"), ("poison", "c2"), ("third", "c3"), ("fourth", "c4")]
    async with _consuming(toy, backlog, handle=writes_then_fails_on_poison, max_deliver=2) as bus:
        assert await eventually(lambda: _labels_if(toy, 3)) == ["first", "third", "fourth"]
        info = await eventually(lambda: _settled(bus, toy), timeout=15)
        assert info is not None, "the poisoned event was settled (dead-lettered) and nothing waits"
        assert await toy.effect_labels() == ["first", "third", "fourth"], "the poison's own write was undone"
        async with toy.sessions() as session:
            handled = (await session.execute(text("SELECT count(*) FROM inbox"))).scalar_one()
        assert handled == 3, "the three handled events have their inbox rows, the poison none"


async def _settled(bus, toy: Toy):
    info = await bus.jetstream().consumer_info(toy.names.stream("referrals"), toy.names.durable("toy", "referrals"))
    return info if info.num_ack_pending == 0 and info.num_pending == 0 else None


def test_a_case_is_its_case_id_else_its_audit_else_its_correlation():
    def env(payload: dict) -> Envelope:
        return Envelope(event_type="x.y.z", schema_version=1, occurred_at=datetime.now(UTC), correlation_id="corr",
                        producer="x", payload=payload)

    assert case_key(env({"case_id": "c", "audit_id": "a"})) == "case_id:c"
    assert case_key(env({"case_id": None, "audit_id": "a"})) == "audit_id:a"
    assert case_key(env({"label": "x"})) == "correlation:corr"


async def test_savepoints_on_sqlite_nest_inside_the_batch_transaction(tmp_path):
    """Without the explicit BEGIN, SQLite's driver lets the first SAVEPOINT begin a transaction of its own,
    and its RELEASE commits: a batch rolled back would keep its first message's effect."""
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    sessions = session_factory(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))

        class RolledBack(Exception):
            pass

        try:
            async with sessions() as session, session.begin():
                await begin_for_savepoints(session)
                async with session.begin_nested():
                    await session.execute(text("INSERT INTO t VALUES (1)"))
                raise RolledBack()
        except RolledBack:
            pass
        async with sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_events_no_handler_acts_on_are_acked_without_a_transaction(toy, nats_url):
    """Of five events, two are some other service's business (``concerns`` says no). They are acked and
    passed over: no handler runs for them, no inbox row is written, and nothing is left pending; the
    three others are handled once each, in order, with their inbox rows."""
    handled: list[str] = []

    async def record(session: AsyncSession, env: Envelope) -> None:
        handled.append(env.payload["label"])
        await session.execute(insert(effects).values(consumer="toy", event_id=env.event_id,
                                                     label=env.payload["label"]))

    backlog = [("mine-1", "c1"), ("other-1", "c1"), ("mine-2", "c2"), ("other-2", "c2"), ("mine-3", "c1")]
    async with _consuming(toy, backlog, handle=record,
                          concerns=lambda env: env.payload["label"].startswith("mine")) as bus:
        assert await eventually(lambda: _labels_if(toy, 3)) == ["mine-1", "mine-2", "mine-3"]
        assert await eventually(lambda: _settled(bus, toy), timeout=15) is not None, "the passed-over were acked"
        assert handled == ["mine-1", "mine-2", "mine-3"]
        async with toy.sessions() as session:
            inbox = (await session.execute(text("SELECT count(*) FROM inbox"))).scalar_one()
        assert inbox == 3, "only the events handled have inbox rows"


async def _owed_labels(toy: Toy) -> list[str]:
    async with toy.sessions() as session:
        bodies = (await session.execute(text("SELECT body FROM outbox ORDER BY seq"))).scalars()
        return [Envelope.from_json(body).payload["label"] for body in bodies]


def _count_inserts(toy: Toy) -> dict[str, list[int]]:
    """Per table (outbox, inbox), the number of rows each INSERT statement the store ran carried."""
    seen: dict[str, list[int]] = {"outbox": [], "inbox": []}

    def count(conn, cursor, statement, parameters, context, executemany):
        for table, rows in seen.items():
            if statement.startswith(f"INSERT INTO {table} "):
                rows.append(len(parameters) if executemany else 1)

    event.listen(toy.engine.sync_engine, "before_cursor_execute", count)
    return seen


async def test_the_events_a_batch_owes_are_written_in_one_statement_in_the_order_they_were_owed(toy, nats_url):
    """Three events of two cases, each owing two events of its own. Each transaction writes the six owed
    events in one statement, as it writes its inbox rows, and the outbox keeps the order they were owed
    in (the order the relay publishes them). Before, each owed event was a statement of its own."""
    async def owes_two(session: AsyncSession, env: Envelope) -> None:
        label = env.payload["label"]
        await session.execute(insert(effects).values(consumer="toy", event_id=env.event_id, label=label))
        for n in (1, 2):
            await toy.outbox.add(session, CaseProbed(label=f"{label}-owes-{n}"), occurred_at=datetime.now(UTC))

    inserts = _count_inserts(toy)
    async with _consuming(toy, [("A1", "case-a"), ("B1", "case-b"), ("A2", "case-a")], handle=owes_two):
        assert await eventually(lambda: _labels_if(toy, 3)) == ["A1", "B1", "A2"]
        assert await _owed_labels(toy) == ["A1-owes-1", "A1-owes-2", "B1-owes-1", "B1-owes-2",
                                           "A2-owes-1", "A2-owes-2"]
        transactions = len(inserts["inbox"])
        assert sum(inserts["outbox"]) == 6
        assert len(inserts["outbox"]) == transactions, (
            f"{len(inserts['outbox'])} statements wrote the owed events in {transactions} transaction(s)")


async def test_a_poisoned_event_owes_nothing_while_the_others_in_its_batch_keep_what_they_owe(toy, nats_url):
    """The poisoned event records the event it owes, then raises. The batch is handled again with a
    savepoint per event: the poison's owed event goes with its savepoint, the others' stay."""
    async def owes_then_fails_on_poison(session: AsyncSession, env: Envelope) -> None:
        label = env.payload["label"]
        await toy.outbox.add(session, CaseProbed(label=f"{label}-owes"), occurred_at=datetime.now(UTC))
        await session.execute(insert(effects).values(consumer="toy", event_id=env.event_id, label=label))
        if label == "poison":
            raise RuntimeError("cannot handle poison")

    backlog = [("first", "c1"), ("poison", "c2"), ("third", "c3")]
    async with _consuming(toy, backlog, handle=owes_then_fails_on_poison, max_deliver=2) as bus:
        assert await eventually(lambda: _labels_if(toy, 2)) == ["first", "third"]
        assert await eventually(lambda: _settled(bus, toy), timeout=15) is not None
        assert await _owed_labels(toy) == ["first-owes", "third-owes"]


async def test_a_row_kept_back_and_refused_at_the_end_of_the_batch_spoils_only_its_own_event(toy, nats_url):
    """The poisoned event's handler keeps back two rows that cannot both be written (the same key). The
    refusal comes only when the batch writes what it kept back, after every handler has run: the batch
    is handled again, each event writing its own rows in its savepoint, and only the poison is
    dead-lettered. Written as a failure of the store, the whole batch was retried until JetStream gave up."""
    add_effect = insert(effects)

    async def keeps_back(session: AsyncSession, env: Envelope) -> None:
        label = env.payload["label"]
        ids = (424242, 424242) if label == "poison" else (None,)
        for row_id in ids:
            await append(session, add_effect, {"id": row_id, "consumer": "toy", "event_id": env.event_id,
                                               "label": label})

    backlog = [("first", "c1"), ("poison", "c2"), ("third", "c3")]
    async with _consuming(toy, backlog, handle=keeps_back, max_deliver=2) as bus:
        assert await eventually(lambda: _labels_if(toy, 2)) == ["first", "third"]
        assert await eventually(lambda: _settled(bus, toy), timeout=15) is not None
        assert await toy.effect_labels() == ["first", "third"]
