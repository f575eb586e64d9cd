"""Wires the scheduling service: rules and calendar (validated at start) → runtime → the event
handlers (durable consumer "scheduling" on the referrals, audits and notifications streams) → the
ticker's background loop → HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.access_log.http import access_log_router
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime

from .adapters import orm
from .application import deadline_gauges
from .application.event_handlers import EVENT_HANDLERS, bind
from .application.ticker import run_ticker
from .application.timekeeping import Timekeeping
from .config import SchedulingSettings, load_settings
from .domain.deadlines import ReminderPolicy
from .domain.rules_file import load_rules
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def timekeeping_for(settings: SchedulingSettings) -> Timekeeping:
    # A rules file that does not validate stops the service here, before it takes any event.
    rules = load_rules(override_path=settings.rules_override_file)
    return Timekeeping(rules=rules, calendar=rules.calendar(),  # bank holidays plus the partnership's closures
                       policy=ReminderPolicy(lead_working_days=settings.reminder_lead_working_days,
                                             escalate_every_working_days=settings.escalate_every_working_days))


def bootstrap(settings: SchedulingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    tk = timekeeping_for(settings)
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    runtime.handle_events(bind(tk, EVENT_HANDLERS))
    runtime.background.append(lambda: run_ticker(runtime.unit_of_work, tk, settings.tick_seconds))
    runtime.on_scrape.append(("deadlines", lambda: deadline_gauges.refresh(runtime.unit_of_work(), tk)))
    app = runtime.app(title="Safeguarding scheduling", routers=[router, access_log_router()],
                      description="The statutory clock: working days, timescales as data, deadlines.")
    app.state.timekeeping = tk
    return app
