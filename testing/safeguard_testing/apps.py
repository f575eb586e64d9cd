"""Run the real services in-process for a test: each one's own ``bootstrap()``, store, bus and HTTP app.

``running(...)`` starts one or more services with their lifespan (migrations, broker, outbox relay,
consumers, background loops) on the test's NATS server and bus namespace, each with a fresh database
of the kind the ``databases`` fixture gives; ``migrated(...)`` prepares one service's store and app but
starts nothing, for tests that drive a handler by hand and must not race a background loop.
"""
from __future__ import annotations

import copy
import importlib
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import httpx
from fastapi import FastAPI
from sqlalchemy import Table, func, inspect, select, text

from safeguard_shared.auth import LocalIssuer
from safeguard_shared.clock import Clock, FixedDateClock
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.settings import ServiceSettings

SERVICES = ("referrals", "scheduling", "notifications", "audits", "reporting")

# The business date of the example child referral in docs/architecture.md: Monday 21 December 2026.
EXAMPLE_DATE = date(2026, 12, 21)

# Identifying values that must never leave the referrals store (events, e-mails, reports, logs).
CANARY_REFERENCE = "C-CANARY-1029"
CANARY_DATE_OF_BIRTH = "2015-04-02"
CANARY_SUMMARY = "CANARY-SUMMARY found unresponsive at home"
CANARY_LEAD = "A. Canary-Lead"
CANARIES = (CANARY_REFERENCE, CANARY_DATE_OF_BIRTH, CANARY_SUMMARY, CANARY_LEAD)

# The example child referral of docs/architecture.md, with the identifying values replaced by canaries.
_EXAMPLE_CHILD_REFERRAL = {
    "referring_agency": "police",
    "safeguarding_lead": {"name": CANARY_LEAD, "agreed_on": "2026-12-21"},
    "received_on": "2026-12-21",
    "child": {"reference": CANARY_REFERENCE, "date_of_birth": CANARY_DATE_OF_BIRTH, "looked_after": False},
    "incident": {"occurred_on": "2026-12-19", "became_aware_on": "2026-12-21",
                 "outcome": "seriously_harmed", "abuse_or_neglect": "suspected",
                 "summary": CANARY_SUMMARY},
    "involved_agencies": ["local_authority", "police", "icb", "school"],
}


def example_child_referral(**sections: dict[str, Any] | Any) -> dict:
    """A fresh copy of the example referral; ``incident={"outcome": "died"}`` changes one field of a
    section, ``referring_agency="school"`` replaces a top-level value."""
    body = copy.deepcopy(_EXAMPLE_CHILD_REFERRAL)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key].update(value)
        else:
            body[key] = value
    return body


def bearer(issuer: LocalIssuer, agency: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.mint(agency=agency, roles=list(roles))}"}


@dataclass
class InProcess:
    """One service running in this process, and an HTTP client that talks to it without a socket."""

    name: str
    app: FastAPI
    client: httpx.AsyncClient
    settings: Any
    data_dir: Path

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def count(self, table: Table) -> int:
        async with self.runtime.sessions() as session:
            count: int = (await session.execute(select(func.count()).select_from(table))).scalar_one()
            return count

    async def rows(self, table: Table) -> list[dict[str, Any]]:
        async with self.runtime.sessions() as session:
            return [dict(r) for r in (await session.execute(select(table))).mappings().all()]

    async def every_row(self) -> list[str]:
        """Every row of every table of its store, as ``table: (values…)``: to search for what it must not keep."""
        async with self.runtime.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            found: list[str] = []
            for table in tables:
                result = await connection.execute(text(f'SELECT * FROM "{table}"'))
                found += [f"{table}: {tuple(row)}" for row in result]
            return found


def settings_for(name: str, *, database_url: str, nats_url: str, bus_namespace: str, data_dir: Path,
                 issuer: LocalIssuer, **extra: Any) -> ServiceSettings:
    """The service's own ``load_settings`` with this test's store, broker, namespace and issuer."""
    config = importlib.import_module(f"{name}.config")
    values: dict[str, Any] = dict(database_url=database_url, nats_url=nats_url, bus_namespace=bus_namespace,
                                  data_dir=data_dir, auth_public_key_file=issuer.public_key_file)
    if name == "notifications":
        values["outbox_dir"] = str(data_dir / "outbox")
    values.update(extra)
    settings: ServiceSettings = config.load_settings(**values)
    return settings


def build(name: str, settings: ServiceSettings, clock: Clock) -> FastAPI:
    app: FastAPI = importlib.import_module(f"{name}.bootstrap").bootstrap(settings, clock=clock)
    return app


class Databases(Protocol):
    """What ``running`` needs of the ``databases`` fixture (conftest.py): a fresh database's URL."""

    async def anew(self, label: str = "db") -> str: ...

    async def at_head(self, service: str) -> str: ...


def _client(name: str, app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}.test")


@asynccontextmanager
async def running(names: Iterable[str], *, databases: Databases, nats_url: str, bus_namespace: str,
                  data_dir: Path, issuer: LocalIssuer, clock: Clock | None = None,
                  settings: Mapping[str, Mapping[str, Any]] | None = None) -> AsyncIterator[dict[str, InProcess]]:
    """Start the named services, each on a fresh database from ``databases``; stop them afterwards.
    ``settings`` gives a service settings of its own (e.g. its broker credentials), by its name."""
    clock = clock or FixedDateClock(EXAMPLE_DATE)
    async with AsyncExitStack() as stack:
        started: dict[str, InProcess] = {}
        for name in names:
            service_dir = Path(data_dir) / name
            own = settings_for(name, database_url=await databases.at_head(name), nats_url=nats_url,
                               bus_namespace=bus_namespace, data_dir=service_dir, issuer=issuer,
                               **(settings or {}).get(name, {}))
            app = build(name, own, clock)
            # One after another: Alembic keeps its migration context in a module global, so two
            # services migrating at once in one process could interleave.
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = await stack.enter_async_context(_client(name, app))
            started[name] = InProcess(name, app, client, own, service_dir)
        if "referrals" in started and "notifications" in started:
            # The notifications service asks the referrals service over HTTP for the completed rapid
            # review template's free text when it sends it: here its in-process client (the caller is
            # this machine, as in the embedded default, so no service token is needed).
            asked = started["notifications"].app.state.dispatcher.referrals
            asked.client, asked.base_url = started["referrals"].client, "http://referrals.test"
        yield started


@asynccontextmanager
async def migrated(name: str, *, database_url: str, data_dir: Path, issuer: LocalIssuer,
                   clock: Clock | None = None) -> AsyncIterator[InProcess]:
    """One service's app with its store migrated, and no broker, relay, consumer or background loop."""
    service_dir = Path(data_dir) / name
    # Nothing connects to the broker here; the URL only has to be well formed.
    settings = settings_for(name, database_url=database_url, nats_url="nats://127.0.0.1:1",
                            bus_namespace="unused", data_dir=service_dir, issuer=issuer)
    app = build(name, settings, clock or FixedDateClock(EXAMPLE_DATE))
    await app.state.runtime.migrate()
    try:
        async with _client(name, app) as client:
            yield InProcess(name, app, client, settings, service_dir)
    finally:
        await app.state.runtime.engine.dispose()


class ReadsTheClock:
    """For scenario classes holding the running services (``self.s``) and a business-unit token
    (``self.bu``): the case's deadlines as the scheduling service lists them, and waiting for one."""

    s: dict[str, InProcess]
    bu: dict[str, str]

    async def deadlines(self, case_id: str) -> dict[str, dict[str, Any]]:
        """Keyed by rule, with ``@agency`` for a per-agency deadline (``rr.scoping_returned@police``)."""
        rows = (await self.s["scheduling"].client.get(f"/v1/deadlines?case_id={case_id}", headers=self.bu)).json()
        return {r["key"] + (f"@{r['agency']}" if r.get("agency") else ""): r for r in rows}

    async def deadline_settles(self, case_id: str, key: str, status: str = "met") -> dict[str, Any]:
        from .toy import eventually

        async def check() -> dict[str, Any] | None:
            d = (await self.deadlines(case_id)).get(key)
            return d if d and d["status"] == status else None

        found = await eventually(check, timeout=20)
        assert found, f"{key} never became {status}: {(await self.deadlines(case_id)).get(key)}"
        return found


@dataclass
class ReferralEffects:
    """What a child referral leads to in the other services, as the business unit (``bu``, a bearer
    header with ``reporting_reader`` too) reads it: the clock, the notices and the board's figures."""

    services: dict[str, InProcess]
    bu: dict[str, str]

    @classmethod
    def as_business_unit(cls, services: dict[str, InProcess], issuer: LocalIssuer) -> ReferralEffects:
        return cls(services, bearer(issuer, "partnership", "business_unit", "reporting_reader"))

    async def refer_example_child(self, issuer: LocalIssuer) -> str:
        """The police refer docs/architecture.md's example child; the new case's id."""
        created = await self.services["referrals"].client.post(
            "/v1/referrals/child", json=example_child_referral(), headers=bearer(issuer, "police", "referrer"))
        assert created.status_code == 201, created.text
        case_id: str = created.json()["case_id"]
        return case_id

    async def rapid_review_complete(self, case_id: str) -> list[dict[str, Any]]:
        rows = (await self.services["scheduling"].client.get("/v1/deadlines", params={"case_id": case_id},
                                                             headers=self.bu)).json()
        return [r for r in rows if r["key"] == "rr.complete"]

    async def notices(self, case_id: str) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (await self.services["notifications"].client.get(
            "/v1/notifications", params={"case_id": case_id}, headers=self.bu)).json()
        return listed

    async def panel_notified(self, case_id: str) -> list[dict[str, Any]]:
        return [n for n in await self.notices(case_id)
                if n["recipient_kind"] == "national_panel" and n["status"] == "sent"]

    async def figures(self) -> dict[str, Any]:
        summary: dict[str, Any] = (await self.services["reporting"].client.get("/v1/reports/summary",
                                                                              headers=self.bu)).json()
        return summary

    async def board_counts(self, open_cases: int = 1) -> dict[str, Any] | None:
        """The figures once they count the open cases, a notice sent and the rapid review's clock."""
        figures = await self.figures()
        counted = (figures["cases"]["open"] == open_cases and figures["notifications"]["sent"] >= 1
                   and "rr.complete" in figures["deadlines"]["by_key"])
        return figures if counted else None


@asynccontextmanager
async def scheduling_with_a_child_case(case_id: str, *, databases: Databases, data_dir: Path,
                                       issuer: LocalIssuer) -> AsyncIterator[InProcess]:
    """The scheduling service migrated, with one serious-incident case opened (referred by the police on
    Monday 21 December 2026, a rapid review owed), its clocks started, and no broker."""
    from safeguard_shared.contracts.referrals import CaseOpened

    async with migrated("scheduling", database_url=await databases.at_head("scheduling"), data_dir=data_dir,
                        issuer=issuer) as service:
        runtime = service.runtime
        event = CaseOpened(case_id=case_id, case_ref=f"RR-2026-{case_id[-6:].upper()}", pathway="child",
                           referring_agency="police", received_on=EXAMPLE_DATE, became_aware_on=EXAMPLE_DATE,
                           involved_agencies=["local_authority", "police", "icb"], serious_incident=True,
                           rapid_review=True, notices_owed=["national_panel"])
        env = event.envelope(producer="referrals", occurred_at=runtime.clock.now())
        await runtime.inbox.handle_once("scheduling", env, runtime.subscriptions[0].handle)
        yield service
