"""Wires the scheduling service: rules and calendar (validated at start), runtime, consumers, the
ticker, HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.bus import Subscription
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime

from .adapters import orm
from .config import SchedulingSettings, load_settings
from .domain.deadlines import ReminderPolicy
from .domain.rules import load_rules
from .entrypoints.http import router
from .handlers import Scheduler
from .ticker import run_ticker

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def bootstrap(settings: SchedulingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    # A rules file that does not validate stops the service here, before it takes any event.
    rules = load_rules(override_path=settings.rules_override_file)
    calendar = rules.calendar()  # bank holidays plus the partnership's closure days
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    policy = ReminderPolicy(lead_working_days=settings.reminder_lead_working_days,
                            escalate_every_working_days=settings.escalate_every_working_days)
    scheduler = Scheduler(runtime, calendar, rules, policy)
    runtime.subscribe(Subscription(consumer="scheduling", producer="referrals", handle=scheduler.on_referrals_event))
    runtime.subscribe(Subscription(consumer="scheduling", producer="audits", handle=scheduler.on_audits_event))
    runtime.subscribe(Subscription(consumer="scheduling", producer="notifications",
                                   handle=scheduler.on_notifications_event))
    runtime.background.append(lambda: run_ticker(scheduler, settings.tick_seconds))
    app = runtime.app(title="Safeguarding scheduling", routers=[router],
                      description="The statutory clock: working days, timescales as data, deadlines.")
    app.state.calendar = calendar
    app.state.rules = rules
    app.state.scheduler = scheduler
    return app
