"""The audits service's own tables (its database is nobody else's).

The sampled case references and the agencies' answers are the partnership's own records: they live
here and only here, never in events.
"""
from sqlalchemy import JSON, BigInteger, Column, Date, Index, Integer, String, Table, Text, UniqueConstraint

from safeguard_shared.access_log import add_access_log_table
from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()
# Who read which case or audit, and when (safeguard_shared.access_log), hash-chained.
access_log = add_access_log_table(metadata)

themes = Table(
    "themes", metadata,
    Column("theme_id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("kinds", JSON, nullable=False),
    Column("description", Text, nullable=True),
    Column("published_on", Date, nullable=False),
    Column("published_by", String(200), nullable=False),
)

audits = Table(
    "audits", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("theme", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("qa_meeting_on", Date, nullable=False),
    Column("status", String(40), nullable=False),
    Column("theme_id", String(36), nullable=True),
    # The audit's steps (domain/audit.py), saved whole after every step.
    Column("state", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # One audit of each kind per published theme.
    UniqueConstraint("theme_id", "kind", name="uq_audits_theme_kind"),
)

samples = Table(
    "samples", metadata,
    Column("audit_id", String(36), primary_key=True),  # one draw per audit: once made, it is fixed
    Column("seed", BigInteger, nullable=False),
    Column("population_digest", String(64), nullable=False),
    Column("population_size", BigInteger, nullable=False),
    Column("cases", JSON, nullable=False),
    Column("drawn_at", UTCDateTime(), nullable=False),
    Column("drawn_by", String(200), nullable=False),
    # What was left out of the population, and why: [{"case_ref", "reason"}].
    Column("excluded", JSON, nullable=False),
    Column("eligible_digest", String(64), nullable=False),
    Column("eligible_size", BigInteger, nullable=False),
    # The agencies involved in each drawn case, from the uploaded population: {case_ref: [agency]}.
    Column("case_agencies", JSON, nullable=False),
)

# Every case that has been drawn for an audit, with the date: the partnership's exclusion of cases
# audited recently reads this. Cases audited before the product can be loaded into it.
audited_cases = Table(
    "audited_cases", metadata,
    Column("case_ref", String(100), primary_key=True),
    Column("audited_on", Date, primary_key=True),
    Column("audit_id", String(36), nullable=True),
)
Index("ix_audited_cases_on", audited_cases.c.audited_on)

# The exclusions the partnership sets for every draw (one row, "partnership"): the window of recently
# audited cases, and standing references never to draw (e.g. the subject of a current review).
sampling_rules = Table(
    "sampling_rules", metadata,
    Column("name", String(40), primary_key=True),
    Column("audited_within_months", Integer, nullable=False),
    Column("references", JSON, nullable=False),  # [{"case_ref", "reason"}]
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

responses = Table(
    "responses", metadata,
    Column("response_id", String(36), primary_key=True),
    Column("audit_id", String(36), nullable=False),
    Column("case_no", Integer, nullable=False),
    Column("case_ref", String(100), nullable=False),
    Column("agency", String(60), nullable=False),
    Column("status", String(20), nullable=False),  # not_started | draft | submitted
    Column("answers", JSON, nullable=False),
    Column("impact_evidence", Text, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=True),
    Column("updated_by", String(200), nullable=True),
    Column("submitted_on", Date, nullable=True),
    UniqueConstraint("audit_id", "case_no", "agency", name="uq_responses_case_agency"),
)
Index("ix_responses_agency", responses.c.agency, responses.c.audit_id)

concerns = Table(
    "concerns", metadata,
    Column("concern_id", String(36), primary_key=True),
    Column("audit_id", String(36), nullable=False, index=True),
    Column("case_no", Integer, nullable=True),
    Column("raised_by_agency", String(60), nullable=False),
    Column("raised_by", String(200), nullable=False),
    Column("agency_concerned", String(60), nullable=False),
    Column("concern", Text, nullable=False),
    Column("action_taken", Text, nullable=True),
    Column("raised_on", Date, nullable=False),
    Column("raised_at", UTCDateTime(), nullable=False),
)

actions = Table(
    "actions", metadata,
    Column("action_id", String(36), primary_key=True),
    Column("source", String(10), nullable=False),  # audit | review
    Column("audit_id", String(36), nullable=True, index=True),
    Column("case_id", String(36), nullable=True),
    Column("case_ref", String(40), nullable=True),  # the review case's reference (from its recommendations)
    Column("recommendation_id", String(100), nullable=True),
    Column("description", Text, nullable=False),
    Column("owning_agency", String(60), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # proposed | open | completed
    Column("due_on", Date, nullable=True),
    Column("overdue_since", Date, nullable=True),
    Column("escalations", Integer, nullable=False),
    Column("next_check_on", Date, nullable=True),
    Column("updates", Integer, nullable=False),
    Column("completion_evidence", Text, nullable=True),
    Column("completed_on", Date, nullable=True),
    Column("created_on", Date, nullable=False),
    Column("created_by", String(200), nullable=False),
    # A review's recommendation becomes one action, however often its event is delivered.
    UniqueConstraint("case_id", "recommendation_id", name="uq_actions_recommendation"),
)
Index("ix_actions_next_check", actions.c.next_check_on)

action_updates = Table(
    "action_updates", metadata,
    Column("update_id", String(36), primary_key=True),
    Column("action_id", String(36), nullable=False, index=True),
    Column("progress_on", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

training_completions = Table(
    "training_completions", metadata,
    Column("completion_id", String(36), primary_key=True),
    Column("trainee", String(200), nullable=False),  # the agency's staff identifier (staff only)
    Column("agency", String(60), nullable=False),
    Column("course", String(200), nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("manager", String(200), nullable=True),
    Column("imported_at", UTCDateTime(), nullable=False),
    # Importing the same file twice records each completion once.
    UniqueConstraint("trainee", "course", "completed_on", name="uq_training_completion"),
)
Index("ix_training_completions_agency", training_completions.c.agency, training_completions.c.course)

training_surveys = Table(
    "training_surveys", metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("completion_id", String(36), nullable=False),
    Column("kind", String(20), nullable=False),  # follow_up | manager
    Column("agency", String(60), nullable=False),
    Column("course", String(200), nullable=False),
    # The day the survey goes out, as the scheduling service's clock says (scheduling.deadline.scheduled);
    # unknown until that event arrives.
    Column("due_on", Date, nullable=True),
    Column("status", String(20), nullable=False),  # pending | sent | answered
    Column("sent_on", Date, nullable=True),
    Column("answers", JSON, nullable=True),
    Column("answered_on", Date, nullable=True),
    UniqueConstraint("completion_id", "kind", name="uq_training_survey"),
)
Index("ix_training_surveys_due", training_surveys.c.status, training_surveys.c.due_on)
