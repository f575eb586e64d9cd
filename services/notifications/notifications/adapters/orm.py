"""The notifications service's own tables: every message, its delivery state and its attempts."""
from sqlalchemy import Column, Date, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from safeguard_shared.access_log import add_access_log_table
from safeguard_shared.db.tables import TRACE_CONTEXT_LENGTH
from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()
# Who read which case or audit, and when (safeguard_shared.access_log), hash-chained.
access_log = add_access_log_table(metadata)

notifications = Table(
    "notifications", metadata,
    Column("notification_id", String(36), primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("case_id", String(36), nullable=True),
    Column("case_ref", String(40), nullable=True),  # the case's reference, for the failure alert (0003)
    Column("audit_id", String(36), nullable=True),
    # A training survey's message: its address and link are the audits service's, asked for at each
    # attempt and never stored here (0005; README, "Training surveys").
    Column("survey_id", String(36), nullable=True),
    # A letter to the family: its number in the case. Its recipient and words are the referrals
    # service's, asked for at each attempt and never stored here (0009; README, "Letters to the family").
    Column("letter_no", Integer, nullable=True),
    Column("recipient_kind", String(40), nullable=False),
    Column("recipient_name", String(200), nullable=True),
    Column("recipient_address", String(320), nullable=False),
    Column("agency", String(60), nullable=True),
    Column("template", String(80), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    # email: straight to the recipient; post / held: to the business unit, the letter attached.
    Column("route", String(10), nullable=False, default="email"),
    # queued → sending → sent | queued (retry) | failed; sending → in_doubt after a crash (README)
    Column("status", String(20), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500), nullable=True),
    Column("last_code", Integer, nullable=True),
    Column("failure_reason", String(30), nullable=True),
    # The claim of the dispatcher that is sending it: its result is recorded only under this claim.
    Column("claim_token", String(36), nullable=True),
    Column("queued_at", UTCDateTime(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("sending_at", UTCDateTime(), nullable=True),
    Column("claimed_by", String(120), nullable=True),  # the replica that holds (or last held) the claim
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("failed_at", UTCDateTime(), nullable=True),
    Column("in_doubt_at", UTCDateTime(), nullable=True),
    # The W3C traceparent of the handling that queued it (tracing on): its sending joins the event's trace (0010).
    Column("trace_context", String(TRACE_CONTEXT_LENGTH), nullable=True),
)
Index("ix_notifications_case", notifications.c.case_id)
Index("ix_notifications_audit", notifications.c.audit_id)
Index("ix_notifications_due", notifications.c.status, notifications.c.next_attempt_at)

# The PDFs that go with a message: the letter itself (to families and advocates) or a document
# rendered from the same facts (the completed rapid review template to the Panel).
attachments = Table(
    "notification_attachments", metadata,
    Column("notification_id", String(36), ForeignKey("notifications.notification_id"), primary_key=True),
    Column("filename", String(120), primary_key=True),
    Column("kind", String(20), nullable=False),  # letter | document
    Column("content_type", String(80), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

# The delivery log: one row per attempt, opened when a dispatcher claims the message.
attempts = Table(
    "notification_attempts", metadata,
    Column("notification_id", String(36), ForeignKey("notifications.notification_id"), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
    # sent | already_delivered | retry | failed | in_doubt (NULL while it is being sent)
    Column("outcome", String(30), nullable=True),
    Column("code", Integer, nullable=True),
    Column("detail", String(500), nullable=True),
)

# The audit dates the clock (scheduling) set: ``macfa.audit_date`` deadlines, learnt from
# scheduling.deadline.scheduled, so a letter says the date the clock keeps and this service computes none.
audit_dates = Table(
    "audit_dates", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("audit_on", Date, nullable=False),
    Column("deadline_id", String(36), nullable=False),
)
