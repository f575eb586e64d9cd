"""Use cases: queue the messages an event owes (once), and dispatch queued messages (once).

Queueing happens inside the consumer's inbox transaction: the message row (unique on its
idempotency key), its rendered body and any PDF commit with the inbox row or not at all.

Dispatching takes one message at a time through its states (domain/delivery.py):

1. claim: in one short transaction the row goes ``queued``/``in_doubt`` → ``sending`` under a fresh
   claim token, and an attempt opens in the delivery log (PostgreSQL: ``FOR UPDATE SKIP LOCKED``,
   and on every store the update only succeeds from the state that was read, so two dispatchers
   never both claim it);
2. hand the message to the channel, outside any transaction;
3. record the result, only under the same claim token: ``sent`` (+ NotificationSent), ``queued``
   again with an exponential back-off (temporary failure), or ``failed`` (+ NotificationFailed and a
   ``notification_failed`` message to the business unit).

A dispatcher that dies between 2 and 3 leaves the row ``sending``; ``recover_in_doubt`` turns it
``in_doubt`` and the next claim resolves it by the channel's rule (service README).
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from prometheus_client import Counter
from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared import logging as slog
from safeguard_shared.aio import wait_for_wake
from safeguard_shared.bus import PermanentError
from safeguard_shared.clock import LONDON
from safeguard_shared.contracts import Envelope, contract_for, parse
from safeguard_shared.contracts.audits import (
    ActionEscalated,
    ActionOverdue,
    AuditToolSent,
    ConcernRaised,
    InvitationsSent,
)
from safeguard_shared.contracts.notifications import NotificationFailed, NotificationSent
from safeguard_shared.contracts.referrals import (
    CaseOpened,
    FamilyContact,
    FamilyLetterOwed,
    FinalReportReady,
    PanelNotificationConfirmed,
    RapidReviewDecided,
    ReferralReturned,
    SarScreened,
    ScopingRequested,
)
from safeguard_shared.contracts.scheduling import DeadlineDueSoon, DeadlineEscalated, DeadlineMissed
from safeguard_shared.db import insert_for
from safeguard_shared.service import ServiceRuntime

from .adapters.orm import attachments, attempts, message_reads, notifications
from .adapters.pdf import PdfRenderer
from .adapters.templates import render
from .domain.delivery import (
    CLAIMABLE,
    FAILED,
    IN_DOUBT,
    QUEUED,
    SENDING,
    SENT,
    DeliveryFailed,
    RetryPolicy,
    TemporaryFailure,
    outcome_of,
)
from .domain.messages import (
    ATTACHED_DOCUMENTS,
    Invitee,
    MessageOwed,
    Recipient,
    when_a_deadline_nears_or_passes_tell_whoever_must_act,
    when_a_letter_to_the_family_is_owed_write_it,
    when_a_message_fails_alert_the_business_unit,
    when_a_referral_is_returned_send_it_back_with_the_reasons,
    when_a_sar_referral_is_screened_tell_the_referrer,
    when_an_immediate_concern_is_found_escalate_it,
    when_case_opened_send_statutory_notices,
    when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state,
    when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies,
    when_scoping_requested_write_to_each_agency,
    when_the_audit_programme_is_due_send_it_to_each_invitee,
    when_the_audit_template_is_due_send_it_to_each_agency_audit_lead,
    when_the_local_authority_confirms_notify_the_panel,
)

log = slog.get("notifications")

PARTNERSHIP = "safeguarding partnership"
DECISION_TEXT = {"cspr": "to hold a local child safeguarding practice review",
                 "alternative_review": "to hold an alternative learning review (for example a table-top review)",
                 "no_review": "that no further review is needed"}
# Recipient kinds the directory answers for; any other needs the event to carry the recipient.
DIRECTORY_KINDS = ("national_panel", "ofsted", "secretary_of_state", "business_unit")
MESSAGES_PER_ROUND = 100

# outcome: sent | already_delivered | retry | failed | in_doubt (alert on failed and in_doubt).
DELIVERY_OUTCOMES = Counter("safeguard_notification_attempts_total", "Delivery attempts by how they ended",
                            ["channel", "outcome"])


class Notifier:
    def __init__(self, runtime: ServiceRuntime, channel, directory: dict, sender: str, *,
                 partnership: str = PARTNERSHIP, retry: RetryPolicy | None = None,
                 sending_lease_seconds: float = 300.0, pdf: PdfRenderer | None = None):
        self.runtime = runtime
        self.channel = channel
        self.directory = directory
        self.sender = sender
        self.partnership = partnership
        self.retry = retry or RetryPolicy()
        self.sending_lease = timedelta(seconds=sending_lease_seconds)
        self.pdf = pdf or PdfRenderer(partnership)
        self._wake = asyncio.Event()
        self._dispatching = asyncio.Lock()
        # Tests set this to stand for a crash between handing a message over and recording it.
        self.after_handover = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def _postgres(self) -> bool:
        return self.runtime.engine.dialect.name == "postgresql"

    # --- queueing, inside the consumer's inbox transaction -------------------------------------
    async def on_referrals_event(self, session: AsyncSession, env: Envelope) -> None:
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        base = {"partnership": self.partnership}
        if isinstance(event, CaseOpened):
            context = {**base, "case_ref": event.case_ref, "received_on": event.received_on.isoformat(),
                       "became_aware_on": event.became_aware_on.isoformat() if event.became_aware_on else "not recorded",
                       "referring_agency": event.referring_agency, "involved_agencies": event.involved_agencies}
            owed = when_case_opened_send_statutory_notices(event.case_id, list(event.notices_owed))
        elif isinstance(event, PanelNotificationConfirmed):
            # The same message (and key) CaseOpened owes when the partnership does not hold it back.
            context = {**base, "case_ref": event.case_ref, "received_on": event.received_on.isoformat(),
                       "became_aware_on": event.became_aware_on.isoformat(),
                       "referring_agency": event.referring_agency, "involved_agencies": event.involved_agencies}
            owed = when_the_local_authority_confirms_notify_the_panel(event.case_id)
        elif isinstance(event, ReferralReturned):
            context = base
            # A resubmitted referral returned again owes another letter: this return is this event.
            owed = when_a_referral_is_returned_send_it_back_with_the_reasons(
                event.case_id, event.pathway, event.referring_agency, event.reasons, returned=env.event_id)
        elif isinstance(event, SarScreened):
            context = base
            owed = when_a_sar_referral_is_screened_tell_the_referrer(
                event.case_id, event.case_ref, event.referring_agency, event.outcome,
                screened_on=env.occurred_at.astimezone(LONDON).date())
        elif isinstance(event, FamilyLetterOwed):
            context = base
            owed = when_a_letter_to_the_family_is_owed_write_it(
                event.case_id, event.letter, recipient_of(event.recipient), case_ref=event.case_ref,
                reason=event.reason, update=event.update, expected_by=event.expected_sign_off_on)
        elif isinstance(event, ScopingRequested):
            context = {**base, "case_ref": event.case_ref, "case_id": event.case_id,
                       "meeting_on": event.meeting_on.isoformat(), "window_start": event.window_start.isoformat(),
                       "window_end": event.window_end.isoformat(), "outside_window": event.outside_window}
            owed = when_scoping_requested_write_to_each_agency(event.case_id, event.agencies)
        elif isinstance(event, RapidReviewDecided):
            context = {**base, "case_ref": event.case_ref, "decision": event.decision,
                       "decision_text": DECISION_TEXT[event.decision], "decided_on": event.decided_on.isoformat(),
                       "safety_actions": event.safety_actions, "learning": event.learning,
                       "agencies": event.agencies}
            owed = when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
                event.case_id, event.referring_agency, event.agencies)
        elif isinstance(event, FinalReportReady) and event.pathway == "child":  # a CSPR's, not a SAR's
            context = {**base, "case_ref": event.case_ref,
                       "planned_publication_on": event.planned_publication_on.isoformat()}
            owed = when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state(event.case_id)
        else:
            return
        await self.queue_all(session, owed, case_id=event.case_id, context=context)

    async def on_scheduling_event(self, session: AsyncSession, env: Envelope) -> None:
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        if not isinstance(event, (DeadlineDueSoon, DeadlineMissed, DeadlineEscalated)):
            return
        transition = {DeadlineDueSoon: "due_soon", DeadlineMissed: "missed", DeadlineEscalated: "escalated"}[type(event)]
        escalation = getattr(event, "escalation", 0)
        context = {"key": event.key, "due": event.due.isoformat(),
                   "agency": event.agency, "occasion": f"case {event.case_id}" if event.case_id else f"audit {event.audit_id}",
                   "escalation": escalation, "working_days_overdue": getattr(event, "working_days_overdue", 0)}
        await self.queue_all(session, when_a_deadline_nears_or_passes_tell_whoever_must_act(
            event.deadline_id, transition, event.who_agency, escalation),
            case_id=event.case_id, audit_id=event.audit_id, context=context)

    async def on_audits_event(self, session: AsyncSession, env: Envelope) -> None:
        """The quality-assurance messages: the audit template, the programme, concerns, overdue actions."""
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        theme = getattr(event, "theme", None) or f"{getattr(event, 'kind', 'multi-agency')} case file audit"
        if isinstance(event, AuditToolSent):
            # The framework holds the audit 4 weeks before the QA sub-group meeting (the clock keeps the
            # exact working day); agencies return the template by the audit itself.
            audit_on = (event.qa_meeting_on - timedelta(weeks=4)) if event.qa_meeting_on else event.sent_on
            owed = when_the_audit_template_is_due_send_it_to_each_agency_audit_lead(
                event.audit_id, theme, audit_on, audit_on, {agency: [] for agency in event.agencies})
        elif isinstance(event, InvitationsSent):
            owed = when_the_audit_programme_is_due_send_it_to_each_invitee(
                event.audit_id, theme, event.held_on, "as set out in the secure system",
                [(f"{p.starts_at}–{p.ends_at}", p.item) for p in event.programme],
                [Invitee(i.agency, (f"{i.required_from}–{i.required_until} ({i.role})",)) for i in event.invitees])
        elif isinstance(event, ConcernRaised):
            owed = when_an_immediate_concern_is_found_escalate_it(
                event.audit_id, event.concern_id, event.agency_concerned,
                f"sampled case {event.case_no}" if event.case_no else "named in the audit record",
                event.raised_on, theme)
        elif isinstance(event, (ActionOverdue, ActionEscalated)):
            escalation = getattr(event, "escalation", 0)
            owed = when_a_deadline_nears_or_passes_tell_whoever_must_act(
                event.action_id, "escalated" if escalation else "missed", event.owning_agency, escalation)
            context = {"key": "action plan action", "due": event.due_on.isoformat() if event.due_on else "not set",
                       "agency": event.owning_agency,
                       "occasion": f"audit {event.audit_id}" if event.audit_id else f"case {event.case_id}",
                       "escalation": escalation, "working_days_overdue": getattr(event, "days_overdue", 0)}
            await self.queue_all(session, owed, audit_id=event.audit_id, case_id=event.case_id, context=context)
            return
        else:
            return
        await self.queue_all(session, owed, audit_id=event.audit_id)

    def recipient(self, owed: MessageOwed) -> dict:
        """Name and address: the event's own recipient, else the directory's for the kind."""
        if owed.to is not None:
            return {"name": owed.to.name, "address": owed.to.email}
        if owed.recipient_kind in ("agency", "referrer"):
            return self.directory["agencies"].get(owed.agency) or self.directory["business_unit"]
        if owed.recipient_kind == "audit_lead":
            return self.directory["audit_leads"].get(owed.agency) or self.directory["business_unit"]
        if owed.recipient_kind in DIRECTORY_KINDS:
            return self.directory[owed.recipient_kind]
        raise PermanentError(f"a message to a {owed.recipient_kind} needs the recipient in the event that owes it")

    async def queue_all(self, session: AsyncSession, owed: list[MessageOwed], *, context: dict | None = None,
                        case_id: str | None = None, audit_id: str | None = None) -> list[str]:
        """Queue each message owed (once); the ids of those newly queued."""
        queued = []
        for message in owed:
            notification_id = await self.queue(session, message, context=context or {}, case_id=case_id,
                                               audit_id=audit_id)
            if notification_id:
                queued.append(notification_id)
        return queued

    async def queue(self, session: AsyncSession, owed: MessageOwed, *, context: dict,
                    case_id: str | None = None, audit_id: str | None = None) -> str | None:
        """Render and store one message unless its idempotency key is already stored; its id if queued."""
        n = notifications
        if (await session.execute(select(n.c.notification_id).where(
                n.c.idempotency_key == owed.idempotency_key))).first():
            return None
        recipient = self.recipient(owed)
        now = self.runtime.clock.now()
        values = {**context, **owed.context, "partnership": self.partnership, "recipient_name": recipient["name"],
                  "agency": owed.agency or context.get("agency")}
        text = render(owed.template, **values)
        route = owed.route
        business_unit = self.directory["business_unit"]
        if route == "email":
            to, body = recipient, text
        else:
            # Post, or a restriction to check: the business unit gets the letter to act on.
            to = business_unit
            body = render("letter_for_business_unit", partnership=self.partnership,
                          recipient_name=business_unit["name"], route=route, addressee=owed.to.name,
                          restriction=owed.to.restriction, postal_address=list(owed.to.postal_address),
                          letter_subject=owed.subject)
        documents = []
        if owed.is_letter:
            documents.append(("letter.pdf", "letter", self.pdf.render(
                text, title=owed.subject, dated=self.runtime.clock.today(), at=now,
                address_lines=(owed.to.name, *owed.to.postal_address) if owed.to and owed.to.postal_address else ())))
        if owed.template in ATTACHED_DOCUMENTS:
            document, filename = ATTACHED_DOCUMENTS[owed.template]
            documents.append((filename, "document", self.pdf.render(
                render(document, **values), title=owed.subject, dated=self.runtime.clock.today(), at=now)))
        notification_id = str(uuid.uuid4())
        row = dict(
            notification_id=notification_id, idempotency_key=owed.idempotency_key, case_id=case_id,
            audit_id=audit_id, recipient_kind=owed.recipient_kind, recipient_name=recipient["name"],
            recipient_address=to["address"], agency=owed.agency, template=owed.template,
            subject=owed.delivered_subject, body=body, route=route, status=QUEUED,
            # One Message-ID for the life of the message, across every retry and an in-doubt resend.
            message_id=f"<{owed.idempotency_key}@safeguard.local>",
            channel=self.channel.channel, attempts=0, queued_at=now, next_attempt_at=now)
        inserted = (await session.execute(insert_for(session)(n).values(**row).on_conflict_do_nothing(
            index_elements=["idempotency_key"]).returning(n.c.notification_id))).first()
        if inserted is None:
            return None
        for filename, kind, content in documents:
            await session.execute(insert(attachments).values(
                notification_id=notification_id, filename=filename, kind=kind, content_type="application/pdf",
                content=content))
        return notification_id

    # --- dispatch -------------------------------------------------------------------------------
    async def recover_in_doubt(self, *, at_startup: bool = False) -> int:
        """Mark ``in_doubt`` each message left ``sending`` by a dispatcher that never recorded the result.

        A claim has lapsed when its lease has run out. At start-up on SQLite (one process, the
        embedded default) every claim found belongs to a process that died, so none waits for its
        lease; on PostgreSQL other replicas may be mid-send, so only lapsed leases count.
        """
        n = notifications
        now = self.runtime.clock.now()
        lapsed = n.c.sending_at < now - self.sending_lease
        condition = n.c.status == SENDING
        if not (at_startup and not self._postgres):
            condition = and_(condition, lapsed)
        recovered = 0
        async with self.runtime.sessions() as session, session.begin():
            query = select(n.c.notification_id, n.c.claim_token, n.c.attempts).where(condition)
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            for row in (await session.execute(query)).all():
                done = await session.execute(update(n).where(
                    n.c.notification_id == row.notification_id, n.c.status == SENDING,
                    n.c.claim_token == row.claim_token).values(
                    status=IN_DOUBT, in_doubt_at=now, next_attempt_at=now, claim_token=None))
                if done.rowcount != 1:
                    continue
                await session.execute(update(attempts).where(
                    attempts.c.notification_id == row.notification_id, attempts.c.attempt == row.attempts).values(
                    ended_at=now, outcome=IN_DOUBT,
                    detail="the dispatcher stopped before recording the result"))
                log.warning("notification in doubt", extra={"notification_id": row.notification_id,
                                                            "status": IN_DOUBT})
                DELIVERY_OUTCOMES.labels(self.channel.channel, IN_DOUBT).inc()
                recovered += 1
        return recovered

    async def dispatch_once(self) -> int:
        """Send what is due, one message at a time; how many went (or were found already delivered)."""
        async with self._dispatching:
            await self.recover_in_doubt()
            sent = 0
            for _ in range(MESSAGES_PER_ROUND):
                claimed = await self._claim_next()
                if claimed is None:
                    break
                sent += await self._send(*claimed)
            return sent

    async def _claim_next(self):
        n = notifications
        now = self.runtime.clock.now()
        token = str(uuid.uuid4())
        async with self.runtime.sessions() as session, session.begin():
            query = select(n).where(n.c.status.in_(CLAIMABLE), n.c.next_attempt_at <= now).order_by(
                n.c.next_attempt_at, n.c.queued_at).limit(1)
            if self._postgres:
                # Replicas share the table: each row is taken by one dispatcher at a time, never skipped.
                query = query.with_for_update(skip_locked=True)
            row = (await session.execute(query)).mappings().first()
            if row is None:
                return None
            claimed = await session.execute(update(n).where(
                n.c.notification_id == row["notification_id"], n.c.status == row["status"],
                n.c.attempts == row["attempts"]).values(
                status=SENDING, claim_token=token, sending_at=now, attempts=row["attempts"] + 1,
                channel=self.channel.channel))
            if claimed.rowcount != 1:
                return None  # another dispatcher (same SQLite file) got there first; next round
            attempt = row["attempts"] + 1
            await session.execute(insert(attempts).values(
                notification_id=row["notification_id"], attempt=attempt, channel=self.channel.channel,
                started_at=now))
            docs = (await session.execute(select(attachments).where(
                attachments.c.notification_id == row["notification_id"]).order_by(
                attachments.c.filename))).mappings().all()
        return dict(row), [dict(d) for d in docs], token, attempt

    async def _send(self, row: dict, docs: list[dict], token: str, attempt: int) -> int:
        notification_id = row["notification_id"]
        failure: DeliveryFailed | None = None
        already = self.channel.already_delivered(notification_id)
        if not already:
            try:
                await self.channel.deliver(notification_id, self._message(row, docs))
            except DeliveryFailed as exc:
                failure = exc
            except Exception as exc:  # a bug or an unforeseen error: not the message's fault, retry
                failure = TemporaryFailure(type(exc).__name__)
        if self.after_handover:
            self.after_handover(notification_id)
        return await self._record(row, token, attempt, failure, already=already)

    async def _record(self, row: dict, token: str, attempt: int, failure: DeliveryFailed | None, *,
                      already: bool) -> int:
        n = notifications
        notification_id = row["notification_id"]
        now = self.runtime.clock.now()
        mine = (n.c.notification_id == notification_id) & (n.c.claim_token == token) & (n.c.status == SENDING)
        this_attempt = (attempts.c.notification_id == notification_id) & (attempts.c.attempt == attempt)
        in_doubt_before = row["status"] == IN_DOUBT
        async with self.runtime.sessions() as session, session.begin():
            if failure is None:
                done = await session.execute(update(n).where(mine).values(
                    status=SENT, sent_at=now, claim_token=None))
                if done.rowcount != 1:
                    return self._taken_over(notification_id)
                await session.execute(update(attempts).where(this_attempt).values(
                    ended_at=now, outcome="already_delivered" if already else SENT,
                    detail=("resolved in doubt: " if in_doubt_before else "") + (
                        "the message was found delivered" if already else
                        "sent again with the same Message-ID" if in_doubt_before else "accepted")))
                await self.runtime.outbox.add(session, NotificationSent(
                    notification_id=notification_id, case_id=row["case_id"], audit_id=row["audit_id"],
                    recipient_kind=row["recipient_kind"], template=row["template"], agency=row["agency"],
                    channel=self.channel.channel, sent_on=self.runtime.clock.today(), route=row["route"]),
                    occurred_at=now)
                DELIVERY_OUTCOMES.labels(self.channel.channel, "already_delivered" if already else SENT).inc()
                log.info("notification sent", extra={"notification_id": notification_id, "template": row["template"],
                                                     "recipient_kind": row["recipient_kind"], "attempt": attempt})
                sent = 1
            elif outcome_of(failure, attempt, self.retry) == FAILED:
                reason = "rejected" if failure.permanent else "attempts_exhausted"
                done = await session.execute(update(n).where(mine).values(
                    status=FAILED, failed_at=now, failure_reason=reason, last_error=failure.detail,
                    last_code=failure.code, claim_token=None))
                if done.rowcount != 1:
                    return self._taken_over(notification_id)
                await session.execute(update(attempts).where(this_attempt).values(
                    ended_at=now, outcome=FAILED, code=failure.code, detail=failure.detail))
                await self.runtime.outbox.add(session, NotificationFailed(
                    notification_id=notification_id, case_id=row["case_id"], audit_id=row["audit_id"],
                    recipient_kind=row["recipient_kind"], template=row["template"], agency=row["agency"],
                    channel=self.channel.channel, reason=reason, smtp_code=failure.code, attempts=attempt,
                    failed_on=self.runtime.clock.today()), occurred_at=now)
                await self.queue_all(session, when_a_message_fails_alert_the_business_unit(
                    notification_id, row["template"], row["recipient_kind"], row["agency"], reason, failure.detail,
                    attempt, row["queued_at"].isoformat(timespec="seconds"), _occasion(row)),
                    case_id=row["case_id"], audit_id=row["audit_id"])
                DELIVERY_OUTCOMES.labels(self.channel.channel, FAILED).inc()
                log.error("notification failed", extra={"notification_id": notification_id, "reason": reason,
                                                        "template": row["template"], "attempt": attempt,
                                                        "status_code": failure.code})
                sent = 0
                self.wake()  # the business unit's alert is queued: send it now, not at the next poll
            else:
                retry_at = now + self.retry.delay_after(attempt)
                done = await session.execute(update(n).where(mine).values(
                    status=QUEUED, next_attempt_at=retry_at, last_error=failure.detail, last_code=failure.code,
                    claim_token=None))
                if done.rowcount != 1:
                    return self._taken_over(notification_id)
                await session.execute(update(attempts).where(this_attempt).values(
                    ended_at=now, outcome="retry", code=failure.code, detail=failure.detail))
                DELIVERY_OUTCOMES.labels(self.channel.channel, "retry").inc()
                log.warning("notification will be retried", extra={
                    "notification_id": notification_id, "template": row["template"], "attempt": attempt,
                    "status_code": failure.code})
                sent = 0
        self.runtime.relay.wake()
        return sent

    def _taken_over(self, notification_id: str) -> int:
        # Our claim lapsed and another dispatcher took the message over as in doubt: it records.
        log.warning("notification claim lapsed before its result was recorded",
                    extra={"notification_id": notification_id})
        return 0

    def _message(self, row, docs=()) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = row["recipient_address"]
        msg["Subject"] = row["subject"]
        msg["Message-ID"] = row["message_id"]
        msg["Date"] = format_datetime(row["queued_at"])
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a notice
        msg["X-Safeguard-Notification"] = row["notification_id"]
        msg.set_content(row["body"])
        for doc in docs:
            maintype, subtype = doc["content_type"].split("/", 1)
            msg.add_attachment(doc["content"], maintype=maintype, subtype=subtype, filename=doc["filename"])
        if docs:
            # The same bytes on every attempt: a fixed boundary instead of a random one.
            msg.set_boundary(f"=_safeguard_{row['idempotency_key']}")
        return msg

    def eml(self, row, docs) -> bytes:
        """What was sent: the file itself on the outbox channel, else the message rebuilt (the same
        headers, Message-ID, body and attachments)."""
        path_for = getattr(self.channel, "path_for", None)
        if row["channel"] == "outbox" and path_for and path_for(row["notification_id"]).exists():
            return path_for(row["notification_id"]).read_bytes()
        return bytes(self._message(row, docs))

    async def run_dispatcher(self) -> None:
        try:
            await self.recover_in_doubt(at_startup=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("in-doubt recovery failed", extra={"error_type": type(exc).__name__})
        while True:
            self._wake.clear()
            try:
                await self.dispatch_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("dispatch round failed", extra={"error_type": type(exc).__name__})
            await wait_for_wake(self._wake, 0.5)


def recipient_of(contact: FamilyContact) -> Recipient:
    """The referrals service's family contact as a recipient; a postal address given on one line
    is split at its commas."""
    address = (contact.postal_address or "").strip()
    lines = [part.strip() for part in (address.splitlines() if "\n" in address else address.split(","))]
    return Recipient(name=contact.name, email=contact.email, postal_address=tuple(p for p in lines if p),
                     contact_method=contact.channel, restriction=contact.restriction,
                     relationship=contact.relationship)


def _occasion(row) -> str | None:
    if row["case_id"]:
        return f"case {row['case_id']}"
    if row["audit_id"]:
        return f"audit {row['audit_id']}"
    return None


# --- reading the log (HTTP) ----------------------------------------------------------------------

PUBLIC_KEYS = ["notification_id", "case_id", "audit_id", "recipient_kind", "agency", "template", "status", "route",
               "channel", "message_id", "attempts", "failure_reason", "queued_at", "next_attempt_at", "sending_at",
               "sent_at", "failed_at", "in_doubt_at", "subject"]


async def list_notifications(runtime: ServiceRuntime, *, case_id: str | None, audit_id: str | None,
                             with_body: bool) -> list[dict]:
    n = notifications
    query = select(n).order_by(n.c.queued_at, n.c.notification_id)
    if case_id:
        query = query.where(n.c.case_id == case_id)
    if audit_id:
        query = query.where(n.c.audit_id == audit_id)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).mappings().all()
        ids = [r["notification_id"] for r in rows]
        docs: dict[str, list[dict]] = {}
        log_rows: dict[str, list[dict]] = {}
        if ids:
            for d in (await session.execute(select(attachments.c.notification_id, attachments.c.filename,
                                                   attachments.c.kind).where(
                    attachments.c.notification_id.in_(ids)))).mappings():
                docs.setdefault(d["notification_id"], []).append({"filename": d["filename"], "kind": d["kind"]})
            if with_body:
                for a in (await session.execute(select(attempts).where(attempts.c.notification_id.in_(ids)).order_by(
                        attempts.c.notification_id, attempts.c.attempt))).mappings():
                    log_rows.setdefault(a["notification_id"], []).append({k: a[k] for k in (
                        "attempt", "channel", "started_at", "ended_at", "outcome", "code", "detail")})
    out = []
    for row in rows:
        item = {k: row[k] for k in PUBLIC_KEYS}
        item["pdf"] = bool(docs.get(row["notification_id"]))
        if with_body:
            item.update(body=row["body"], recipient_name=row["recipient_name"],
                        recipient_address=row["recipient_address"], last_error=row["last_error"],
                        last_code=row["last_code"], attachments=docs.get(row["notification_id"], []),
                        delivery_log=log_rows.get(row["notification_id"], []))
        out.append(item)
    return out


async def notification_with_documents(runtime: ServiceRuntime, notification_id: str) -> tuple[dict, list[dict]] | None:
    async with runtime.sessions() as session:
        row = (await session.execute(select(notifications).where(
            notifications.c.notification_id == notification_id))).mappings().first()
        if row is None:
            return None
        docs = (await session.execute(select(attachments).where(
            attachments.c.notification_id == notification_id).order_by(attachments.c.filename))).mappings().all()
    return dict(row), [dict(d) for d in docs]


async def record_reads(runtime: ServiceRuntime, notification_ids: list[str], *, what: str, subject: str,
                       agency: str) -> None:
    """Who opened which message's content, and when."""
    if not notification_ids:
        return
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        await session.execute(insert(message_reads), [
            dict(read_id=str(uuid.uuid4()), notification_id=i, what=what, subject=subject[:200], agency=agency[:60],
                 read_at=now) for i in notification_ids])

