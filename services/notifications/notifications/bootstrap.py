"""Wires the notifications service: settings → directory and channel → runtime → the event table →
the dispatcher → HTTP."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeguard_shared.access_log.http import access_log_router
from safeguard_shared.bus.dispatch import EventDispatcher
from safeguard_shared.clock import Clock
from safeguard_shared.service import ServiceRuntime

from .adapters import orm
from .adapters.directory import load_directory
from .adapters.mailfolder import MailFolder
from .adapters.pdf import PdfRenderer
from .adapters.rapid_review_templates import ReferralsTemplates
from .adapters.smtp import SmtpRelay
from .adapters.survey_recipients import AuditsSurveys
from .application.dispatch import Dispatcher
from .application.event_handlers import EVENT_HANDLERS, bind
from .application.outgoing import Outgoing
from .config import NotificationSettings, load_settings
from .domain.delivery import RetryPolicy
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"


def channel_for(settings: NotificationSettings) -> MailFolder | SmtpRelay:
    if settings.resolved_channel == "smtp":
        if settings.smtp_host is None:  # the settings refuse this already; said again for the type
            raise ValueError("NOTIFICATIONS_CHANNEL=smtp needs SMTP_HOST")
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
    channel = channel_for(settings)
    outgoing = Outgoing(directory, settings.partnership, channel.channel,
                        PdfRenderer(settings.partnership, settings.pdf_font_file), settings.contact,
                        workspace_url=settings.workspace_url)
    dispatcher = Dispatcher(runtime.unit_of_work, channel, outgoing, settings.sender,
                            retry=RetryPolicy(settings.max_attempts, settings.retry_base_seconds,
                                              settings.retry_max_seconds),
                            sending_lease_seconds=settings.sending_lease_seconds, replica_id=settings.replica_id,
                            surveys=AuditsSurveys(settings.audits_url, settings.audits_token.get_secret_value()
                                                  if settings.audits_token else None),
                            referrals=ReferralsTemplates(settings.referrals_url,
                                                         settings.referrals_token.get_secret_value()
                                                         if settings.referrals_token else None),
                            tracer_provider=runtime.tracer_provider)
    # Durable consumers named "notifications" on the referrals, scheduling and audits streams.
    handlers = bind(EVENT_HANDLERS, outgoing=outgoing)
    runtime.handle_events(handlers)
    for subscription in runtime.subscriptions:
        # A message queued by an event goes now, not at the dispatcher's next poll.
        subscription.after_commit.append(dispatcher.wake_if_queued)
    runtime.background.append(dispatcher.run)
    app = runtime.app(title="Safeguarding notifications", routers=[router, access_log_router()],
                      description="Every outbound message, delivered exactly once.")
    app.state.dispatcher = dispatcher
    app.state.outgoing = outgoing
    # The consumers' handler, for tests that hand an envelope to the inbox themselves.
    app.state.handle_event = EventDispatcher(handlers, runtime.outbox, runtime.clock)
    return app
