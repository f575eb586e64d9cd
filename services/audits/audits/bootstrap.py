"""Wires the audits service: settings → runtime → the events it answers → the ticker → HTTP routes."""
from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from safeguard_shared import logging as slog
from safeguard_shared.access_log.http import access_log_router
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime

from .adapters import orm
from .adapters.link_key import survey_link_key
from .application.event_handlers import EVENT_HANDLERS
from .application.ticker import tick
from .config import AuditsSettings, load_settings
from .entrypoints import (
    actions_routes,
    audits_routes,
    learning_routes,
    responses_routes,
    sampling_routes,
    survey_page,
    training_routes,
)
from .entrypoints.common import install_error_handlers

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"
ROUTERS = [audits_routes.router, sampling_routes.router, responses_routes.router,
           responses_routes.owed_router, learning_routes.router,
           actions_routes.router, training_routes.router, survey_page.router]

log = slog.get("audits-ticker")


async def run_ticker(runtime: ServiceRuntime, settings: AuditsSettings) -> None:
    """A round of the durable timer (application/ticker.py) every ``tick_seconds``, for the service's life."""
    while True:
        try:
            await tick(runtime.unit_of_work, settings.action_escalate_every_days, settings.survey_link_days)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database blinked; the next round retries
            log.warning("audits tick failed", extra={"error_type": type(exc).__name__})
        await asyncio.sleep(settings.tick_seconds)


def bootstrap(settings: AuditsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    runtime.handle_events(EVENT_HANDLERS)
    runtime.background.append(lambda: run_ticker(runtime, settings))
    app = runtime.app(title="Safeguarding audits", routers=[*ROUTERS, access_log_router()],
                      description="Multi-agency case file audits, action plans and training impact.")
    install_error_handlers(app)
    # The key survey links are signed with (README, "Training surveys").
    app.state.survey_link_key = survey_link_key(
        settings.survey_link_key.get_secret_value() if settings.survey_link_key else None, settings.data_dir)
    return app
