"""The referrals service's own tables (its database is nobody else's)."""
from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, Index, Integer, String, Table

from safeguard_shared.access_log import add_access_log_table
from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()

cases = Table(
    "cases", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("case_ref", String(40), nullable=False, unique=True),
    Column("pathway", String(10), nullable=False),
    Column("status", String(40), nullable=False),
    Column("referring_agency", String(60), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("became_aware_on", Date, nullable=True),
    Column("serious_incident", Boolean, nullable=False, default=False),
    Column("rapid_review", Boolean, nullable=False, default=False),
    # Identifying details live here and only here: never in events, logs or reporting.
    Column("referral", JSON, nullable=False),
    # The pathway's state machine (domain/child_case.py), saved whole after every step.
    Column("state", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
)
Index("ix_cases_agency", cases.c.referring_agency)

# Who read which case, and when: the shared access log (safeguard_shared.access_log), hash-chained.
access_log = add_access_log_table(metadata)

# Who did what and when, for every step of every case.
case_history = Table(
    "case_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(36), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("agency", String(60), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", JSON, nullable=False),
)
Index("ix_case_history_case", case_history.c.case_id)

# A referral sent again with the same Idempotency-Key (from the same agency) gets the same answer.
idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("agency", String(60), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_digest", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("case_id", String(36), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# One case per likely-same referral (domain/referral.py, likely_duplicate_key: a digest, not the
# reference itself); the answer it was given, to give again to a duplicate.
referral_fingerprints = Table(
    "referral_fingerprints", metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("response", JSON, nullable=False),
)

# A case's documents: what each is and who added it. The content is in the document store
# (adapters/documents.py) under the document's id; the sender's file name is kept here only, to show.
case_documents = Table(
    "case_documents", metadata,
    Column("document_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("agency", String(60), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
)
Index("ix_case_documents_case", case_documents.c.case_id)
