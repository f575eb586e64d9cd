"""Wires the reporting service: one durable consumer per producing service, read models, HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.bus import Subscription
from safeguard_shared.bus.names import PRODUCERS
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.settings import ServiceSettings

from .adapters import orm
from .config import load_settings
from .entrypoints.http import router
from .projections import project

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def bootstrap(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    for producer in PRODUCERS:
        runtime.subscribe(Subscription(consumer="reporting", producer=producer, handle=project))
    return runtime.app(title="Safeguarding reporting", routers=[router],
                       description="Figures built only from events; the dashboard.")
