"""Dispatching: each queued message through its states (domain/delivery.py), one at a time, once.

1. claim: in one short transaction the row goes ``queued``/``in_doubt`` → ``sending`` under a fresh
   claim token, and an attempt opens in the delivery log (PostgreSQL: ``FOR UPDATE SKIP LOCKED``,
   and on every store the update only succeeds from the state that was read, so two dispatchers
   never both claim it);
2. hand the message to the channel, outside any transaction;
3. record the result, only under the same claim token: ``sent`` (+ NotificationSent), ``queued``
   again with an exponential back-off (temporary failure), or ``failed`` (+ NotificationFailed and a
   ``notification_failed`` message to the business unit).
   The next message due is claimed (1) in the same transaction.

A dispatcher that dies between 2 and 3 leaves the row ``sending``; ``recover_in_doubt`` turns it
``in_doubt`` and the next claim resolves it by the channel's rule (service README).
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

from safeguard_shared import logging as slog
from safeguard_shared import tracing
from safeguard_shared.aio import wait_for_wake
from safeguard_shared.contracts.notifications import NotificationFailed, NotificationSent
from safeguard_shared.partnership import LONDON
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import message_log
from ..adapters.channel import Channel
from ..adapters.message_log import TO_RENDER
from ..adapters.mime import compose
from ..adapters.rapid_review_templates import ReferralsTemplates
from ..adapters.survey_recipients import AuditsSurveys
from ..adapters.wording import long_date
from ..domain.delivery import (
    FAILED,
    IN_DOUBT,
    QUEUED,
    SENT,
    DeliveryFailed,
    PermanentFailure,
    RetryPolicy,
    TemporaryFailure,
    outcome_of,
)
from ..domain.messages import (
    FILLED_FROM_REFERRALS,
    LETTER_EMAIL,
    SUBJECTS,
    when_a_message_fails_alert_the_business_unit,
    with_family_letter_content,
    with_rapid_review_content,
    with_survey_details,
)
from .outgoing import Outgoing, queue_all
from .referrals import recipient_of

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

log = slog.get("notifications")

MESSAGES_PER_ROUND = 100

# outcome: sent | already_delivered | retry | failed | in_doubt (alert on failed and in_doubt).
DELIVERY_OUTCOMES = Counter("safeguard_notification_attempts_total", "Delivery attempts by how they ended",
                            ["channel", "outcome"])

Row = dict[str, Any]
# A message claimed for sending: its row, its attachments, the claim's token and the attempt's number.
Claimed = tuple[Row, list[Row], str, int]


class Dispatcher:
    """The loop that sends what is queued: woken when a message is queued, else every half second."""

    def __init__(self, unit_of_work: Callable[[], UnitOfWork], channel: Channel, outgoing: Outgoing, sender: str,
                 *, retry: RetryPolicy | None = None, sending_lease_seconds: float = 300.0,
                 replica_id: str | None = None, surveys: AuditsSurveys | None = None,
                 referrals: ReferralsTemplates | None = None, tracer_provider: TracerProvider | None = None):
        self.unit_of_work = unit_of_work
        self.channel = channel
        self.outgoing = outgoing
        self.sender = sender
        self.retry = retry or RetryPolicy()
        self.sending_lease = timedelta(seconds=sending_lease_seconds)
        self.replica_id = replica_id  # recorded on each claim (NOTIFICATIONS_REPLICA_ID)
        # Where a training survey's recipient and link are asked for at each attempt (never stored here).
        self.surveys = surveys or AuditsSurveys("http://127.0.0.1:8104")
        # Where the completed rapid review template's free text is asked for at each attempt (never stored here).
        self.referrals = referrals or ReferralsTemplates("http://127.0.0.1:8101")
        # Tracing on: each message's sending is a span in the trace of the event that owed it.
        self.tracer_provider = tracer_provider
        self._wake = asyncio.Event()
        self._queued_when_woken = outgoing.queued.count
        # Other dispatchers' lapsed claims are looked for once in a tenth of a lease, not at every round
        # (a round follows every message queued): by the store's clock, so a test's clock moves it too.
        self._recovery_every = self.sending_lease / 10
        self._next_recovery: datetime | None = None
        self._dispatching = asyncio.Lock()
        # Tests set this to stand for a crash between handing a message over and recording it.
        self.after_handover: Callable[[str], None] | None = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def woken(self) -> bool:
        """Whether a round is due now rather than at the next poll."""
        return self._wake.is_set()

    def wake_if_queued(self) -> None:
        """After a consumer's commit: wake only if a message was queued since the last wake. Most events
        a consumer handles queue nothing, and a round is two transactions on the store."""
        if self.outgoing.queued.count != self._queued_when_woken:
            self._queued_when_woken = self.outgoing.queued.count
            self.wake()

    async def recover_in_doubt(self, *, at_startup: bool = False) -> int:
        """Mark ``in_doubt`` each message left ``sending`` by a dispatcher that never recorded the result.

        A claim has lapsed when its lease has run out. At start-up on SQLite (one process, the
        embedded default) every claim found belongs to a process that died, so none waits for its
        lease; on PostgreSQL other replicas may be mid-send, so their claims wait for their lease, but
        this replica's own claims (``replica_id``) belong to the process that died before it started.
        """
        async with self.unit_of_work() as uow:
            now = uow.now()
            self._next_recovery = now + self._recovery_every
            every_claim = at_startup and uow.dialect != "postgresql"
            marked = await message_log.mark_lapsed_claims_in_doubt(
                uow.session, now, claimed_before=None if every_claim else now - self.sending_lease,
                claimed_by=self.replica_id if at_startup else None)
        for notification_id in marked:
            log.warning("notification in doubt", extra={"notification_id": notification_id, "status": IN_DOUBT})
            DELIVERY_OUTCOMES.labels(self.channel.channel, IN_DOUBT).inc()
        return len(marked)

    async def dispatch_once(self) -> int:
        """Send what is due, one message at a time; how many went (or were found already delivered).

        Each message's result is recorded in the transaction that claims the next one: one commit, and
        one wait for the disk, fewer for each message. The claim is still made just before the message
        is handed over, so a crash leaves at most the one message it was sending in doubt, as before."""
        async with self._dispatching:
            if self._next_recovery is None or self.unit_of_work().now() >= self._next_recovery:
                await self.recover_in_doubt()
            sent = 0
            claimed = await self._claim_next()
            for left in reversed(range(MESSAGES_PER_ROUND)):
                if claimed is None:
                    break
                went, claimed = await self._send(*claimed, claim_next=left > 0)
                sent += went
            return sent

    async def _claim_next(self) -> Claimed | None:
        async with self.unit_of_work() as uow:
            return await self._claim_in(uow)

    async def _claim_in(self, uow: UnitOfWork) -> Claimed | None:
        token = str(uuid.uuid4())
        with tracing.detached():  # the next message's claim is no part of the trace of the one just sent
            claimed = await message_log.claim_next(uow.session, uow.now(), token, self.channel.channel,
                                                   self.replica_id)
        if claimed is None:
            return None
        row, docs, attempt = claimed
        return row, docs, token, attempt

    async def _send(self, row: Row, docs: list[Row], token: str, attempt: int, *,
                    claim_next: bool = False) -> tuple[int, Claimed | None]:
        """Hand the message over and record how it went; with ``claim_next``, claim the next message due
        in the same transaction. How many went (0 or 1), and the next message claimed."""
        # In the trace of the event that owed the message (kept on its row): the handing over, and the
        # notification.sent or .failed event recorded with its result, belong to that referral's trace.
        with tracing.within(row.get("trace_context")):
            return await self._send_in_trace(row, docs, token, attempt, claim_next)

    async def _send_in_trace(self, row: Row, docs: list[Row], token: str, attempt: int,
                             claim_next: bool) -> tuple[int, Claimed | None]:
        notification_id = row["notification_id"]
        failure: DeliveryFailed | None = None
        already = self.channel.already_delivered(notification_id)
        if not already:
            try:
                if row["survey_id"]:
                    row = await self._with_survey_details(row)
                if row["template"] in FILLED_FROM_REFERRALS:
                    row, docs = await self._with_rapid_review_content(row, docs)
                if row["letter_no"] is not None:
                    row, docs = await self._with_family_letter(row, docs)
                with tracing.delivering(self.tracer_provider, self.channel.channel, row["template"], attempt):
                    await self.channel.deliver(notification_id, compose(row, docs, sender=self.sender))
            except DeliveryFailed as exc:
                failure = exc
            except Exception as exc:  # a bug or an unforeseen error: not the message's fault, retry
                failure = TemporaryFailure(type(exc).__name__)
        if self.after_handover:
            self.after_handover(notification_id)
        async with self.unit_of_work() as uow:
            went, wake = await self._record(uow, row, token, attempt, failure, already=already)
            claimed = await self._claim_in(uow) if claim_next else None
        if wake:
            self.wake()  # the business unit's alert is queued: send it now, not at the next poll
        return went, claimed

    async def _with_survey_details(self, row: Row) -> Row:
        """A training survey's message as it goes: to the address, with the link, the audits service
        gives now (the row keeps neither). A failure to get them is the message's failure."""
        details = await self.surveys.details(row["survey_id"])
        body = with_survey_details(row["body"], survey_url=details.survey_url,
                                   link_last_day=long_date(details.link_expires_on), trainee=details.trainee)
        return {**row, "recipient_address": details.address, "body": body}

    async def _with_rapid_review_content(self, row: Row, docs: list[Row]) -> tuple[Row, list[Row]]:
        """The completed rapid review template as it goes: the referrals service's free text in the body
        and in the PDF made from the stored text now (dated and stamped as queued, so the same text
        gives the same bytes on every attempt); the row and the store keep only the markers."""
        content = await self.referrals.content(row["case_id"])

        def filled(text: str) -> str:
            return with_rapid_review_content(text, rationale=content.rationale,
                                             safety_actions=content.safety_actions, learning=content.learning)

        return {**row, "body": filled(row["body"])}, self._made(row, docs, filled)

    async def _with_family_letter(self, row: Row, docs: list[Row]) -> tuple[Row, list[Row]]:
        """A letter to the family as it goes: the recipient and the words the referrals service gives now,
        in the body (or the business unit's covering note), the address and the PDF made from the stored
        text (with the address block for post); the row and the store keep only the markers."""
        given = await self.referrals.family_letter(row["case_id"], row["letter_no"])
        recipient = recipient_of(given.recipient)
        if row["recipient_address"] == LETTER_EMAIL and not recipient.email:
            raise PermanentFailure("the referrals service holds no e-mail address for this letter's recipient")

        def filled(text: str) -> str:
            return with_family_letter_content(text, recipient, given.update)

        lines = (recipient.name, *recipient.postal_address) if recipient.postal_address else ()
        return ({**row, "body": filled(row["body"]), "recipient_name": filled(row["recipient_name"] or ""),
                 "recipient_address": filled(row["recipient_address"])},
                self._made(row, docs, filled, address_lines=lines))

    def _made(self, row: Row, docs: list[Row], filled: Callable[[str], str], *,
              address_lines: tuple[str, ...] = ()) -> list[Row]:
        """Each document kept as its text with markers, filled and made a PDF now: titled with the
        message's own subject, dated and stamped as queued, so the same text gives the same bytes on
        every attempt."""
        queued_at = row["queued_at"]
        return [{**doc, "kind": "document", "content_type": "application/pdf",
                 "content": self.outgoing.pdf.render(filled(doc["content"].decode()), title=SUBJECTS[row["template"]],
                                                     dated=queued_at.astimezone(LONDON).date(), at=queued_at,
                                                     address_lines=address_lines)}
                if doc["kind"] == TO_RENDER else doc for doc in docs]

    async def _record(self, uow: UnitOfWork, row: Row, token: str, attempt: int, failure: DeliveryFailed | None,
                      *, already: bool) -> tuple[int, bool]:
        """The attempt's result, in ``uow``: how many went (0 or 1), and whether an alert was queued."""
        notification_id = row["notification_id"]
        channel = self.channel.channel
        in_doubt_before = row["status"] == IN_DOUBT
        now = uow.now()

        async def record(status: str, outcome: str, detail: str | None, **message: Any) -> bool:
            # Only under our claim: False when it lapsed and another dispatcher took the message over.
            return await message_log.record_attempt(
                uow.session, notification_id, token, attempt, now, status=status, outcome=outcome,
                code=failure.code if failure else None, detail=detail, **message)

        if failure is None:
            detail = ("resolved in doubt: " if in_doubt_before else "") + (
                "the message was found delivered" if already else
                "sent again with the same Message-ID" if in_doubt_before else "accepted")
            if not await record(SENT, "already_delivered" if already else SENT, detail, sent_at=now):
                return self._taken_over(notification_id), False
            await uow.publish(NotificationSent(
                notification_id=notification_id, case_id=row["case_id"], audit_id=row["audit_id"],
                recipient_kind=row["recipient_kind"], template=row["template"], agency=row["agency"],
                channel=channel, sent_on=uow.clock.today(), route=row["route"], survey_id=row["survey_id"]),
                occurred_at=now)
            DELIVERY_OUTCOMES.labels(channel, "already_delivered" if already else SENT).inc()
            log.info("notification sent", extra={"notification_id": notification_id, "template": row["template"],
                                                 "recipient_kind": row["recipient_kind"], "attempt": attempt})
            return 1, False
        if outcome_of(failure, attempt, self.retry) == FAILED:
            reason = "rejected" if failure.permanent else "attempts_exhausted"
            if not await record(FAILED, FAILED, failure.detail, failed_at=now, failure_reason=reason,
                                last_error=failure.detail, last_code=failure.code):
                return self._taken_over(notification_id), False
            await uow.publish(NotificationFailed(
                notification_id=notification_id, case_id=row["case_id"], audit_id=row["audit_id"],
                recipient_kind=row["recipient_kind"], template=row["template"], agency=row["agency"],
                channel=channel, reason=reason, smtp_code=failure.code, attempts=attempt,
                failed_on=uow.clock.today(), survey_id=row["survey_id"]), occurred_at=now)
            await queue_all(uow, when_a_message_fails_alert_the_business_unit(
                notification_id, row["template"], row["recipient_kind"], row["agency"], reason, failure.detail,
                attempt, row["queued_at"].isoformat(timespec="seconds"), _occasion(row)), self.outgoing,
                case_id=row["case_id"], audit_id=row["audit_id"])
            DELIVERY_OUTCOMES.labels(channel, FAILED).inc()
            log.error("notification failed", extra={"notification_id": notification_id, "reason": reason,
                                                    "template": row["template"], "attempt": attempt,
                                                    "status_code": failure.code})
        else:
            retry_at = now + self.retry.delay_after(attempt)
            if not await record(QUEUED, "retry", failure.detail, next_attempt_at=retry_at,
                                last_error=failure.detail, last_code=failure.code):
                return self._taken_over(notification_id), False
            DELIVERY_OUTCOMES.labels(channel, "retry").inc()
            log.warning("notification will be retried", extra={
                "notification_id": notification_id, "template": row["template"], "attempt": attempt,
                "status_code": failure.code})
            return 0, False
        return 0, True  # the business unit's alert is queued: the caller wakes the dispatcher

    def _taken_over(self, notification_id: str) -> int:
        # Our claim lapsed and another dispatcher took the message over as in doubt: it records.
        log.warning("notification claim lapsed before its result was recorded",
                    extra={"notification_id": notification_id})
        return 0

    async def run(self) -> None:
        """For the life of the service: recover what a crash left in doubt, then dispatch on every wake."""
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


def _occasion(row: Row) -> str | None:
    # In words, never an id: the case's reference, kept with the message when it was queued.
    if row["case_ref"]:
        return f"partnership case {row['case_ref']}"
    if row["case_id"]:
        return "a case"
    if row["audit_id"]:
        return "a multi-agency case file audit"
    return None
