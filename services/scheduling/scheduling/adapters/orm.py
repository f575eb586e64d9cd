"""The scheduling service's own tables."""
from sqlalchemy import JSON, Column, Date, Index, Integer, String, Table, Text, UniqueConstraint

from safeguard_shared.access_log import add_access_log_table
from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()
# Who read which case or audit, and when (safeguard_shared.access_log), hash-chained.
access_log = add_access_log_table(metadata)

# What the clock knows of each case or audit: its process, involved agencies and recorded anchors.
occasions = Table(
    "occasions", metadata,
    Column("occasion", String(50), primary_key=True),  # "case:<id>", "audit:<id>" or "training:<id>"
    Column("process", String(20), nullable=False),  # child | adult | audit | training
    Column("involved_agencies", JSON, nullable=False),
    Column("anchors", JSON, nullable=False),  # anchor name -> ISO date
    # A case's reference ("RR-2026-7C1D2E"), which every event about its deadlines carries; NULL for
    # audits, training and cases opened before it was kept.
    Column("case_ref", String(40), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

deadlines = Table(
    "deadlines", metadata,
    Column("deadline_id", String(36), primary_key=True),
    Column("key", String(80), nullable=False),
    Column("case_id", String(36), nullable=True),
    Column("audit_id", String(36), nullable=True),
    Column("completion_id", String(36), nullable=True),  # a training completion's clocks
    # "case:<id>", "audit:<id>" or "training:<completion id>": never NULL, so the uniqueness below
    # holds on every database.
    Column("occasion", String(50), nullable=False),
    Column("agency", String(60), nullable=False, default=""),
    # 1 for most duties; the n-th occurrence of a recurring one (the monthly SAR panel).
    Column("occurrence", Integer, nullable=False, default=1),
    Column("anchor_name", String(60), nullable=False),
    Column("anchor_on", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("window_start", Date, nullable=True),
    Column("target", Date, nullable=True),
    Column("status", String(20), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("skipped", JSON, nullable=False),
    Column("who_agency", String(60), nullable=True),
    Column("who_role", String(60), nullable=True),
    Column("met_on", Date, nullable=True),
    Column("on_time", Integer, nullable=True),  # 1/0 once met
    Column("working_days_late", Integer, nullable=True),
    Column("escalations", Integer, nullable=False, default=0),
    # The one instant at which this deadline next changes by itself; NULL when it never will.
    # The ticker reads only this column's index, so a tick stays cheap with a million deadlines.
    Column("next_transition_at", UTCDateTime(), nullable=True),
    Column("paused_on", Date, nullable=True),
    Column("status_reason", Text, nullable=True),
    Column("changed_by", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("key", "occasion", "agency", "occurrence", name="uq_deadline_occasion"),
)
Index("ix_deadlines_case", deadlines.c.case_id)
Index("ix_deadlines_audit", deadlines.c.audit_id)
Index("ix_deadlines_completion", deadlines.c.completion_id)
Index("ix_deadlines_next", deadlines.c.next_transition_at)
Index("ix_deadlines_status_due", deadlines.c.status, deadlines.c.due)
# Every fact, and every occasion's clocks, are looked up by occasion (facts.py): without this, SQLite
# read every open deadline of every case for each fact recorded (0011).
Index("ix_deadlines_occasion", deadlines.c.occasion, deadlines.c.status)

deadline_history = Table(
    "deadline_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("deadline_id", String(36), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("change", String(30), nullable=False),
    Column("detail", Text, nullable=False),
)
Index("ix_deadline_history_deadline", deadline_history.c.deadline_id)

# A fact that reached the clock before the event that opens its occasion (a case.opened redelivered
# after the consumer's ack wait, say): kept here, never refused, and applied in the transaction that
# opens the occasion, on its own date.
early_facts = Table(
    "early_facts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("occasion", String(50), nullable=False),
    Column("fact", String(80), nullable=False),
    Column("on", Date, nullable=False),
    Column("agency", String(60), nullable=True),
    Column("anchor", String(60), nullable=True),
    Column("reason", Text, nullable=True),
    Column("received_at", UTCDateTime(), nullable=False),
)
Index("ix_early_facts_occasion", early_facts.c.occasion)

# A person's calendar subscription: Outlook and Google Calendar cannot send a bearer token, so each
# person gets a secret feed address of their own, which they (or the business unit) can revoke. Only
# a digest of the secret is kept; the scope is fixed when it is made, from the person's token then.
calendar_subscriptions = Table(
    "calendar_subscriptions", metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("secret_digest", String(64), nullable=False, unique=True),  # sha256 of the secret, hex
    Column("subject", String(200), nullable=False),
    Column("agency", String(60), nullable=False),
    Column("roles", String(300), nullable=False),  # space-separated, as the token had them
    Column("case_id", String(36), nullable=True),  # one case's feed; NULL: every deadline the person may see
    Column("agency_scope", String(60), nullable=True),  # NULL: every agency's deadlines
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("last_used_at", UTCDateTime(), nullable=True),
)
Index("ix_calendar_subscriptions_subject", calendar_subscriptions.c.subject)

# The rapid review meeting as booked (referrals.case.scoping_requested, .meeting_rebooked): so the
# calendar feeds show it as itself, on its day and at its time, besides the window it had to fall in.
# Its place is not kept here: it is in the invitation each agency received.
booked_meetings = Table(
    "booked_meetings", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("case_ref", String(40), nullable=False),
    Column("agencies", JSON, nullable=False),  # the agencies invited
    Column("meeting_on", Date, nullable=False),
    Column("meeting_time", String(5), nullable=True),  # "HH:MM", Europe/London; NULL: to be confirmed
    Column("booking", Integer, nullable=False),  # 0 when first booked, then 1, 2 … (the invitation's SEQUENCE)
    Column("updated_at", UTCDateTime(), nullable=False),
)
