"""Wires the referrals service: settings → runtime (store, bus, relay) → event handlers → HTTP app."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.access_log.http import access_log_router
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.settings import ServiceSettings

from .adapters import orm
from .application.event_handlers import EVENT_HANDLERS
from .config import load_settings
from .entrypoints.adult_pathway import router as adult_pathway_router
from .entrypoints.case_search import router as case_search_router
from .entrypoints.child_pathway import router as child_pathway_router
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def bootstrap(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    # The durable consumer "referrals" on the scheduling stream, as before: the clock's rr.meeting window.
    runtime.handle_events(EVENT_HANDLERS)
    return runtime.app(title="Safeguarding referrals",
                       routers=[router, child_pathway_router, adult_pathway_router, case_search_router,
                                access_log_router()],
                       description="Intake for partner agencies; the children's and adults' review pathways.")
