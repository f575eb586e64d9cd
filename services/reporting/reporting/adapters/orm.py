"""Read models, built only from events, and dropped and rebuilt by a replay of the streams.

Nothing here identifies a child or an adult: events never carry names or dates of birth, the
case reference (``case_ref``) that some events carry is never stored, and the case and deadline ids
kept to join one stream's facts to another's never leave the service (every figure is aggregate).
Each table is written by one producer's events only, so streams can be replayed in any order.
"""
from sqlalchemy import JSON, Boolean, Column, Date, Integer, String, Table, Text

from safeguard_shared.db.types import UTCDateTime
from safeguard_shared.service import metadata_with_bus_tables

metadata, outbox, inbox = metadata_with_bus_tables()

# referrals: one row per case (or referral returned before a case opened).
rm_cases = Table(
    "rm_cases", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("pathway", String(10)),
    Column("referring_agency", String(60)),
    Column("received_on", Date),
    Column("opened_at", UTCDateTime()),
    Column("rapid_review", Boolean),
    Column("serious_incident", Boolean),
    Column("looked_after_death", Boolean),
    Column("stage_rank", Integer),  # only ever rises (see domain/stages.py)
    Column("rr_decision", String(30)),
    Column("panel_response", String(40)),
    Column("sar_screening", String(30)),
    Column("sar_convene", Boolean),
    Column("published_in_full", Boolean),
    Column("delayed", Boolean),
    Column("findings", Integer),
    Column("actions_taken", Integer),
    Column("not_acted_on", JSON),  # the reasons findings were not acted on (annual report)
)

# referrals: the dates a case's facts were recorded on (received_on, meeting_held, commissioned_on …);
# an agency's own date is named "<name>@<agency>".
rm_case_dates = Table(
    "rm_case_dates", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("name", String(120), primary_key=True),
    Column("on_date", Date, nullable=False),
)

# referrals: a published review's recommendations, by owning agency (the text is not kept).
rm_recommendations = Table(
    "rm_recommendations", metadata,
    Column("recommendation_id", String(36), primary_key=True),
    Column("case_id", String(36)),
    Column("pathway", String(10)),
    Column("owning_agency", String(60)),
)

# scheduling: every deadline and where it stands.
rm_deadlines = Table(
    "rm_deadlines", metadata,
    Column("deadline_id", String(36), primary_key=True),
    Column("key", String(80), nullable=False),
    Column("case_id", String(36)),
    Column("audit_id", String(36)),
    Column("completion_id", String(36)),  # a training follow-up's completion
    Column("agency", String(60)),
    Column("who_agency", String(60)),
    Column("due", Date, nullable=False),
    # The duty in the scheduling rule's own words when the deadline was scheduled (a partnership's
    # override included); empty for deadlines scheduled before events carried it.
    Column("description", Text),
    Column("target", Date),
    Column("status", String(20)),
    Column("scheduled_on", Date),
    Column("met_on", Date),
    Column("on_time", Boolean),
    Column("working_days_late", Integer),
    Column("target_met", Boolean),
    Column("outside_window", Boolean),
    Column("missed", Boolean),
    Column("escalations", Integer),  # only ever rises
    Column("working_days_overdue", Integer),
)

# notifications: every message sent.
rm_notifications = Table(
    "rm_notifications", metadata,
    Column("notification_id", String(36), primary_key=True),
    Column("case_id", String(36)),
    Column("audit_id", String(36)),
    Column("recipient_kind", String(40), nullable=False),
    Column("template", String(80), nullable=False),
    Column("agency", String(60)),
    Column("sent_on", Date),
)

# audits: multi-agency case file audits.
rm_audits = Table(
    "rm_audits", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("theme", String(200)),
    Column("kind", String(20)),
    Column("qa_meeting_on", Date),
    Column("stage_rank", Integer),  # only ever rises (domain/stages.py names it)
    Column("population_size", Integer),
    Column("sample_size", Integer),
    Column("held_on", Date),
    Column("reported_on", Date),  # the report presented to the QA sub-group (macfa.report met)
    Column("responses_owed", Integer),
    Column("findings", Integer),
    Column("recommendations", Integer),
    Column("ratified_on", Date),
    Column("invited", Integer),
    Column("attended", Integer),
)

# audits: each agency's response to an audit, for one sampled case.
rm_audit_responses = Table(
    "rm_audit_responses", metadata,
    Column("response_id", String(36), primary_key=True),
    Column("audit_id", String(36)),
    Column("agency", String(60)),
    Column("submitted_on", Date),
    Column("no_information_held", Boolean),
)

# audits: immediate safeguarding concerns found while auditing, and good practice acknowledged.
rm_audit_concerns = Table(
    "rm_audit_concerns", metadata,
    Column("concern_id", String(36), primary_key=True),
    Column("audit_id", String(36)),
    Column("agency_concerned", String(60)),
    Column("raised_on", Date),
)
rm_good_practice = Table(
    "rm_good_practice", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("agency", String(60), primary_key=True),
    Column("acknowledged_on", Date),
)

# audits: themes published by the QA sub-group and learning published from audits.
rm_themes = Table(
    "rm_themes", metadata,
    Column("source", String(20), primary_key=True),  # theme (published) or learning (from an audit)
    Column("source_id", String(36), primary_key=True),
    Column("theme", String(200), nullable=False),
    Column("on_date", Date),
    Column("learning_points", Integer),
)

# audits: lunchtime briefings feeding learning back to the front line.
rm_briefings = Table(
    "rm_briefings", metadata,
    Column("briefing_id", String(36), primary_key=True),
    Column("audit_id", String(36)),
    Column("held_on", Date),
    Column("attendees", Integer),
)

# audits: action plans, from audits' findings and reviews' recommendations.
rm_actions = Table(
    "rm_actions", metadata,
    Column("action_id", String(36), primary_key=True),
    Column("source", String(10)),
    Column("audit_id", String(36)),
    Column("case_id", String(36)),
    Column("owning_agency", String(60)),
    Column("due_on", Date),
    Column("status_rank", Integer),  # only ever rises: open, in progress, overdue, completed
    Column("created_on", Date),
    Column("completed_on", Date),
    Column("on_time", Boolean),
    Column("escalations", Integer),  # only ever rises
    Column("days_overdue", Integer),
)

# audits: core training completed, and the surveys that follow it (scores only).
rm_training = Table(
    "rm_training", metadata,
    Column("completion_id", String(36), primary_key=True),
    Column("agency", String(60)),
    Column("course", String(200)),
    Column("completed_on", Date),
)
rm_training_surveys = Table(
    "rm_training_surveys", metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("completion_id", String(36)),
    Column("survey", String(20)),
    Column("agency", String(60)),
    Column("course", String(200)),
    Column("sent_on", Date),
    Column("answered_on", Date),
    Column("practice_changed", Boolean),
    Column("confidence_before", Integer),
    Column("confidence_after", Integer),
    Column("change_noticed", Boolean),
    Column("team_impact", Integer),
)

# Tables a replay empties before it reads the streams again (never the outbox or inbox).
READ_MODELS = (rm_cases, rm_case_dates, rm_recommendations, rm_deadlines, rm_notifications, rm_audits,
               rm_audit_responses, rm_audit_concerns, rm_good_practice, rm_themes, rm_briefings, rm_actions,
               rm_training, rm_training_surveys)

# Columns whose stored value is kept when an event brings a smaller one.
RISING = {"rm_cases": ("stage_rank",), "rm_deadlines": ("escalations",), "rm_audits": ("stage_rank",),
          "rm_actions": ("status_rank", "escalations")}
