"""Wires the notifications service: directory, channel, runtime, consumers, dispatcher, HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.bus import Subscription
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime

from .adapters import orm
from .adapters.directory import load_directory
from .adapters.mailfolder import MailFolder
from .adapters.pdf import PdfRenderer
from .adapters.smtp import SmtpRelay
from .config import NotificationSettings, load_settings
from .domain.delivery import RetryPolicy
from .entrypoints.http import router
from .handlers import Notifier

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def channel_for(settings: NotificationSettings) -> MailFolder | SmtpRelay:
    if settings.resolved_channel == "smtp":
        return SmtpRelay(settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
                         password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                         starttls=settings.smtp_starttls, tls=settings.smtp_tls, timeout=settings.smtp_timeout,
                         ca_file=settings.smtp_ca_file)
    return MailFolder(Path(settings.outbox_dir or Path(settings.data_dir) / "outbox"))


def bootstrap(settings: NotificationSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    # Checked before anything starts: a directory with a key missing stops the service, naming it.
    directory = load_directory(settings.directory_file)
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox,
                             migrations=MIGRATIONS, clock=clock)
    notifier = Notifier(runtime, channel_for(settings), directory, settings.sender,
                        partnership=settings.partnership,
                        retry=RetryPolicy(settings.max_attempts, settings.retry_base_seconds,
                                          settings.retry_max_seconds),
                        sending_lease_seconds=settings.sending_lease_seconds,
                        pdf=PdfRenderer(settings.partnership, settings.pdf_font_file))
    sub = Subscription(consumer="notifications", producer="referrals", handle=notifier.on_referrals_event)
    reminders = Subscription(consumer="notifications", producer="scheduling", handle=notifier.on_scheduling_event)
    quality = Subscription(consumer="notifications", producer="audits", handle=notifier.on_audits_event)
    for s in (sub, reminders, quality):
        s.after_commit.append(notifier.wake)
        runtime.subscribe(s)
    runtime.background.append(notifier.run_dispatcher)
    app = runtime.app(title="Safeguarding notifications", routers=[router],
                      description="Every outbound message, delivered exactly once.")
    app.state.notifier = notifier
    return app
