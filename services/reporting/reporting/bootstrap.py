"""Wires the reporting service: settings, the runtime, the projections on every producer's stream
(durable consumer "reporting" on each), and the HTTP routes."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.settings import ServiceSettings

from .adapters import orm
from .application.event_handlers import EVENT_HANDLERS
from .config import load_settings
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def bootstrap(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    runtime.handle_events(EVENT_HANDLERS)
    return runtime.app(title="Safeguarding reporting", routers=[router],
                       description="Figures built only from events; the dashboard.")
