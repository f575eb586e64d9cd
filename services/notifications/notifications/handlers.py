"""Use cases: queue the messages an event owes (once), and dispatch queued messages (once)."""
from __future__ import annotations

import asyncio
import uuid
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import yaml
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared import logging as slog
from safeguard_shared.aio import wait_for_wake
from safeguard_shared.contracts import Envelope, contract_for, parse
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened, FinalReportReady, RapidReviewDecided, ScopingRequested
from safeguard_shared.contracts.scheduling import DeadlineDueSoon, DeadlineEscalated, DeadlineMissed
from safeguard_shared.service import ServiceRuntime

from .adapters.mailfolder import MailFolder
from .adapters.orm import notifications
from .adapters.templates import render
from .domain.messages import (
    MessageOwed, when_a_deadline_nears_or_passes_tell_whoever_must_act, when_case_opened_send_statutory_notices,
    when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state,
    when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies,
    when_scoping_requested_write_to_each_agency,
)

log = slog.get("notifications")

DEFAULT_DIRECTORY = Path(__file__).parent / "directory.yaml"
PARTNERSHIP = "safeguarding partnership"
DECISION_TEXT = {"cspr": "to hold a local child safeguarding practice review",
                 "alternative_review": "to hold an alternative learning review (for example a table-top review)",
                 "no_review": "that no further review is needed"}


def load_directory(path: str | None) -> dict:
    data = yaml.safe_load(Path(path or DEFAULT_DIRECTORY).read_text())
    for kind in ("national_panel", "ofsted", "secretary_of_state", "business_unit"):
        if not data.get(kind, {}).get("address"):
            raise ValueError(f"recipient directory has no address for '{kind}'")
    return data


class Notifier:
    def __init__(self, runtime: ServiceRuntime, channel: MailFolder, directory: dict, sender: str):
        self.runtime = runtime
        self.channel = channel
        self.directory = directory
        self.sender = sender
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    # --- queueing, inside the consumer's inbox transaction -------------------------------------
    async def on_referrals_event(self, session: AsyncSession, env: Envelope) -> None:
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        base = {"partnership": PARTNERSHIP}
        if isinstance(event, CaseOpened):
            context = {**base, "case_ref": event.case_ref, "received_on": event.received_on.isoformat(),
                       "became_aware_on": event.became_aware_on.isoformat() if event.became_aware_on else "not recorded",
                       "referring_agency": event.referring_agency, "involved_agencies": event.involved_agencies}
            owed = when_case_opened_send_statutory_notices(event.case_id, list(event.notices_owed))
        elif isinstance(event, ScopingRequested):
            context = {**base, "case_ref": event.case_ref, "case_id": event.case_id,
                       "meeting_on": event.meeting_on.isoformat(), "window_start": event.window_start.isoformat(),
                       "window_end": event.window_end.isoformat(), "outside_window": event.outside_window}
            owed = when_scoping_requested_write_to_each_agency(event.case_id, event.agencies)
        elif isinstance(event, RapidReviewDecided):
            context = {**base, "case_ref": event.case_ref, "decision": event.decision,
                       "decision_text": DECISION_TEXT[event.decision], "decided_on": event.decided_on.isoformat(),
                       "safety_actions": event.safety_actions, "learning": event.learning}
            owed = when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
                event.case_id, event.referring_agency, event.agencies)
        elif isinstance(event, FinalReportReady):
            context = {**base, "case_ref": event.case_ref,
                       "planned_publication_on": event.planned_publication_on.isoformat()}
            owed = when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state(event.case_id)
        else:
            return
        for message in owed:
            await self.queue(session, message, case_id=event.case_id, context=context)

    async def on_scheduling_event(self, session: AsyncSession, env: Envelope) -> None:
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        if not isinstance(event, (DeadlineDueSoon, DeadlineMissed, DeadlineEscalated)):
            return
        transition = {DeadlineDueSoon: "due_soon", DeadlineMissed: "missed", DeadlineEscalated: "escalated"}[type(event)]
        escalation = getattr(event, "escalation", 0)
        context = {"partnership": PARTNERSHIP, "key": event.key, "due": event.due.isoformat(),
                   "agency": event.agency, "occasion": f"case {event.case_id}" if event.case_id else f"audit {event.audit_id}",
                   "escalation": escalation, "working_days_overdue": getattr(event, "working_days_overdue", 0)}
        for message in when_a_deadline_nears_or_passes_tell_whoever_must_act(
                event.deadline_id, transition, event.who_agency, escalation):
            await self.queue(session, message, case_id=event.case_id, audit_id=event.audit_id, context=context)

    def recipient(self, owed: MessageOwed) -> dict:
        if owed.recipient_kind in ("agency", "referrer"):
            agencies = self.directory.get("agencies", {})
            return agencies.get(owed.agency) or self.directory["business_unit"]
        return self.directory[owed.recipient_kind]

    async def queue(self, session: AsyncSession, owed: MessageOwed, *, context: dict,
                    case_id: str | None = None, audit_id: str | None = None) -> None:
        recipient = self.recipient(owed)
        body = render(owed.template, **{**context, "recipient_name": recipient["name"],
                                        "agency": owed.agency or context.get("agency")})
        notification_id = str(uuid.uuid4())
        values = dict(
            notification_id=notification_id, idempotency_key=owed.idempotency_key, case_id=case_id,
            audit_id=audit_id, recipient_kind=owed.recipient_kind, recipient_address=recipient["address"],
            agency=owed.agency, template=owed.template, subject=owed.subject, body=body, status="queued",
            # One Message-ID for the life of the message, across every retry.
            message_id=f"<{owed.idempotency_key}@safeguard.local>",
            channel=self.channel.channel, attempts=0, queued_at=self.runtime.clock.now())
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(notifications).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"]))

    # --- dispatch -------------------------------------------------------------------------------
    async def dispatch_once(self) -> int:
        n = notifications
        sent = 0
        async with self.runtime.sessions() as session, session.begin():
            query = select(n).where(n.c.status == "queued").order_by(n.c.queued_at).limit(50)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).mappings().all()
            for row in rows:
                # A crash after the file landed and before this row was marked: the file is the
                # proof of delivery, so mark it sent instead of writing a second copy.
                if not self.channel.already_delivered(row["notification_id"]):
                    await self.channel.deliver(row["notification_id"], self._message(row))
                now = self.runtime.clock.now()
                await session.execute(update(n).where(n.c.notification_id == row["notification_id"]).values(
                    status="sent", sent_at=now, attempts=n.c.attempts + 1))
                await self.runtime.outbox.add(session, NotificationSent(
                    notification_id=row["notification_id"], case_id=row["case_id"], audit_id=row["audit_id"],
                    recipient_kind=row["recipient_kind"], template=row["template"], agency=row["agency"],
                    channel=row["channel"], sent_on=self.runtime.clock.today()), occurred_at=now)
                log.info("notification sent", extra={"notification_id": row["notification_id"],
                                                     "template": row["template"],
                                                     "recipient_kind": row["recipient_kind"]})
                sent += 1
        if sent:
            self.runtime.relay.wake()
        return sent

    def _message(self, row) -> EmailMessage:  # noqa: ANN001
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = row["recipient_address"]
        msg["Subject"] = row["subject"]
        msg["Message-ID"] = row["message_id"]
        msg["Date"] = format_datetime(row["queued_at"])
        msg["X-Safeguard-Notification"] = row["notification_id"]
        msg.set_content(row["body"])
        return msg

    async def run_dispatcher(self) -> None:
        while True:
            try:
                await self.dispatch_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("dispatch round failed", extra={"error_type": type(exc).__name__})
            self._wake.clear()
            await wait_for_wake(self._wake, 0.5)


async def list_notifications(runtime: ServiceRuntime, *, case_id: str | None, audit_id: str | None,
                             with_body: bool) -> list[dict]:
    n = notifications
    query = select(n).order_by(n.c.queued_at)
    if case_id:
        query = query.where(n.c.case_id == case_id)
    if audit_id:
        query = query.where(n.c.audit_id == audit_id)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).mappings().all()
    keys = ["notification_id", "case_id", "audit_id", "recipient_kind", "agency", "template", "status", "channel",
            "message_id", "attempts", "last_error", "queued_at", "sent_at", "subject"]
    out = []
    for row in rows:
        item = {k: row[k] for k in keys}
        if with_body:
            item["body"] = row["body"]
            item["recipient_address"] = row["recipient_address"]
        out.append(item)
    return out
