"""Wires the audits service: runtime, the consumer of reviews' recommendations, the ticker, HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.bus import Subscription
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime

from .adapters import orm
from .config import AuditsSettings, load_settings
from .entrypoints import (
    actions_routes,
    audits_routes,
    learning_routes,
    responses_routes,
    sampling_routes,
    training_routes,
)
from .entrypoints.common import install_error_handlers
from .handlers.actions import when_review_recommendations_published_plan_actions
from .handlers.ticker import run_ticker

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"
ROUTERS = [audits_routes.router, sampling_routes.router, responses_routes.router, learning_routes.router,
           actions_routes.router, training_routes.router]


def bootstrap(settings: AuditsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    runtime.subscribe(Subscription(consumer="audits", producer="referrals",
                                   filter_subject="referrals.case.recommendations_published",
                                   handle=when_review_recommendations_published_plan_actions(runtime)))
    runtime.background.append(lambda: run_ticker(runtime, settings))
    app = runtime.app(title="Safeguarding audits", routers=ROUTERS,
                      description="Multi-agency case file audits, action plans and training impact.")
    install_error_handlers(app)
    return app
