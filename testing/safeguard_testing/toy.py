"""A toy service for testing the bus plumbing on real parts: its own store (outbox, inbox and an
``effects`` table that a handler writes to), the real relay and the real consumer wrapper."""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.bus.consumer import Inbox, Subscription
from safeguard_shared.bus.names import BusNames
from safeguard_shared.bus.nats import NatsBus
from safeguard_shared.bus.outbox import Outbox, OutboxRelay
from safeguard_shared.contracts.envelope import Envelope, Event
from safeguard_shared.db import add_bus_tables, create_engine, is_postgres, session_factory


class CaseProbed(Event):
    """A test-only event on the referrals stream (not registered: the consumer wrapper needs no registry)."""

    event_type = "referrals.case.probed"
    schema_version = 1
    label: str


metadata = MetaData()
outbox_table, inbox_table = add_bus_tables(metadata)
effects = Table("effects", metadata,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("consumer", String(60)), Column("event_id", String(36)), Column("label", String(60)))


@dataclass
class Toy:
    db_url: str
    nats_url: str
    namespace: str
    service: str = "toy"
    poison_labels: set[str] = field(default_factory=set)

    async def start_store(self) -> None:
        self.engine = create_engine(self.db_url)
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        self.sessions = session_factory(self.engine)
        self.names = BusNames(self.namespace)
        self.outbox = Outbox(outbox_table, self.names, self.service)
        self.inbox = Inbox(self.sessions, inbox_table)

    def bus(self) -> NatsBus:
        return NatsBus(self.nats_url, self.names, self.service)

    def relay(self, bus: NatsBus) -> OutboxRelay:
        return OutboxRelay(self.sessions, outbox_table, bus.publish_event,
                           postgres=is_postgres(self.engine), service=self.service, poll_seconds=0.05)

    async def record_effect(self, session: AsyncSession, env: Envelope) -> None:
        label = env.payload.get("label", "")
        if label in self.poison_labels:
            raise RuntimeError(f"cannot handle {label}")
        await session.execute(insert(effects).values(consumer="toy", event_id=env.event_id, label=label))

    def subscription(self, **overrides: Any) -> Subscription:
        values = dict(consumer="toy", producer="referrals", handle=self.record_effect, max_deliver=3,
                      backoff_seconds=(0.1, 0.2), ack_wait_seconds=2.0)
        values.update(overrides)
        return Subscription(**values)

    @contextlib.asynccontextmanager
    async def consuming(self, *, before: Callable[[NatsBus], Awaitable[None]] | None = None,
                        **subscription: Any) -> AsyncIterator[NatsBus]:
        """This toy's consumer (``subscription``'s overrides) started on a bus of its own, ``before`` done
        on the bus first (e.g. a backlog published); stopped after."""
        bus = self.bus()
        await bus.connect_and_declare()
        if before is not None:
            await before(bus)
        bus.subscribe(self.subscription(**subscription), self.inbox)
        await bus.start()
        try:
            yield bus
        finally:
            await bus.stop()

    async def emit(self, label: str) -> Envelope:
        async with self.sessions() as session, session.begin():
            return await self.outbox.add(session, CaseProbed(label=label), occurred_at=datetime.now(UTC))

    async def effect_labels(self) -> list[str]:
        async with self.sessions() as session:
            return list((await session.execute(select(effects.c.label).order_by(effects.c.id))).scalars())

    async def effect_count(self) -> int:
        async with self.sessions() as session:
            return (await session.execute(select(func.count()).select_from(effects))).scalar_one()

    async def close(self) -> None:
        await self.engine.dispose()


T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0, interval: float = 0.05) -> T:
    """Poll an async check until it returns something truthy; the last value is returned either way."""
    deadline = time.monotonic() + timeout
    value = await check()
    while not value and time.monotonic() < deadline:
        await asyncio.sleep(interval)
        value = await check()
    return value
