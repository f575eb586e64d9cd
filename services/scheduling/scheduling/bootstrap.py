"""Wires the scheduling service: calendar and rules (validated at start), runtime, consumers, HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.bus import Subscription
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime
from safeguard_shared.settings import ServiceSettings

from .adapters import orm
from .config import load_settings
from .domain.calendar import WorkingDayCalendar
from .domain.rules import load_rules
from .entrypoints.http import router
from .handlers import Scheduler

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def bootstrap(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    # A rules file that does not validate stops the service here, before it takes any event.
    rules = load_rules()
    calendar = WorkingDayCalendar()
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    scheduler = Scheduler(runtime, calendar, rules)
    runtime.subscribe(Subscription(consumer="scheduling", producer="referrals",
                                   handle=scheduler.on_referrals_event))
    app = runtime.app(title="Safeguarding scheduling", routers=[router],
                      description="The statutory clock: working days, timescales as data, deadlines.")
    app.state.calendar = calendar
    app.state.rules = rules
    return app
