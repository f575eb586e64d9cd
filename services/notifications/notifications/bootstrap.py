"""Wires the notifications service: directory, channel, runtime, consumers, dispatcher, HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.bus import Subscription
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime

from .adapters import orm
from .adapters.mailfolder import MailFolder
from .config import NotificationSettings, load_settings
from .entrypoints.http import router
from .handlers import Notifier, load_directory

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def bootstrap(settings: NotificationSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    directory = load_directory(settings.directory_file)
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    channel = MailFolder(Path(settings.outbox_dir or Path(settings.data_dir) / "outbox"))
    notifier = Notifier(runtime, channel, directory, settings.sender)
    sub = Subscription(consumer="notifications", producer="referrals", handle=notifier.on_referrals_event)
    reminders = Subscription(consumer="notifications", producer="scheduling", handle=notifier.on_scheduling_event)
    for s in (sub, reminders):
        s.after_commit.append(notifier.wake)
        runtime.subscribe(s)
    runtime.background.append(notifier.run_dispatcher)
    app = runtime.app(title="Safeguarding notifications", routers=[router],
                      description="Every outbound message, delivered exactly once.")
    app.state.notifier = notifier
    return app
