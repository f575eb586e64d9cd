"""Read models and the bus tables. The reporting store is rebuilt from the streams (``safeguard
replay``), so its read models hold nothing that cannot be made again from events.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

from safeguard_shared.db.tables import bus_tables_migration_ops

revision = "0001"
down_revision = None


def upgrade() -> None:
    bus_tables_migration_ops(op, sa)
    op.create_table(
        "rm_cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("pathway", sa.String(10)),
        sa.Column("referring_agency", sa.String(60)),
        sa.Column("received_on", sa.Date),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("rapid_review", sa.Boolean),
        sa.Column("serious_incident", sa.Boolean),
        sa.Column("looked_after_death", sa.Boolean),
        sa.Column("stage_rank", sa.Integer),
        sa.Column("rr_decision", sa.String(30)),
        sa.Column("panel_response", sa.String(40)),
        sa.Column("sar_screening", sa.String(30)),
        sa.Column("sar_convene", sa.Boolean),
        sa.Column("published_in_full", sa.Boolean),
        sa.Column("delayed", sa.Boolean),
        sa.Column("findings", sa.Integer),
        sa.Column("actions_taken", sa.Integer),
        sa.Column("not_acted_on", sa.JSON),
    )
    op.create_table(
        "rm_case_dates",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("on_date", sa.Date, nullable=False),
    )
    op.create_table(
        "rm_recommendations",
        sa.Column("recommendation_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36)),
        sa.Column("pathway", sa.String(10)),
        sa.Column("owning_agency", sa.String(60)),
    )
    op.create_table(
        "rm_deadlines",
        sa.Column("deadline_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("case_id", sa.String(36)),
        sa.Column("audit_id", sa.String(36)),
        sa.Column("agency", sa.String(60)),
        sa.Column("who_agency", sa.String(60)),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("target", sa.Date),
        sa.Column("status", sa.String(20)),
        sa.Column("scheduled_on", sa.Date),
        sa.Column("met_on", sa.Date),
        sa.Column("on_time", sa.Boolean),
        sa.Column("working_days_late", sa.Integer),
        sa.Column("target_met", sa.Boolean),
        sa.Column("outside_window", sa.Boolean),
        sa.Column("missed", sa.Boolean),
        sa.Column("escalations", sa.Integer),
        sa.Column("working_days_overdue", sa.Integer),
    )
    op.create_table(
        "rm_notifications",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36)),
        sa.Column("audit_id", sa.String(36)),
        sa.Column("recipient_kind", sa.String(40), nullable=False),
        sa.Column("template", sa.String(80), nullable=False),
        sa.Column("agency", sa.String(60)),
        sa.Column("sent_on", sa.Date),
    )
    op.create_table(
        "rm_audits",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("theme", sa.String(200)),
        sa.Column("kind", sa.String(20)),
        sa.Column("qa_meeting_on", sa.Date),
        sa.Column("stage_rank", sa.Integer),
        sa.Column("population_size", sa.Integer),
        sa.Column("sample_size", sa.Integer),
        sa.Column("held_on", sa.Date),
        sa.Column("responses_owed", sa.Integer),
        sa.Column("findings", sa.Integer),
        sa.Column("recommendations", sa.Integer),
        sa.Column("ratified_on", sa.Date),
        sa.Column("invited", sa.Integer),
        sa.Column("attended", sa.Integer),
    )
    op.create_table(
        "rm_audit_responses",
        sa.Column("response_id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36)),
        sa.Column("agency", sa.String(60)),
        sa.Column("submitted_on", sa.Date),
        sa.Column("no_information_held", sa.Boolean),
    )
    op.create_table(
        "rm_audit_concerns",
        sa.Column("concern_id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36)),
        sa.Column("agency_concerned", sa.String(60)),
        sa.Column("raised_on", sa.Date),
    )
    op.create_table(
        "rm_good_practice",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("agency", sa.String(60), primary_key=True),
        sa.Column("acknowledged_on", sa.Date),
    )
    op.create_table(
        "rm_themes",
        sa.Column("source", sa.String(20), primary_key=True),
        sa.Column("source_id", sa.String(36), primary_key=True),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("on_date", sa.Date),
        sa.Column("learning_points", sa.Integer),
    )
    op.create_table(
        "rm_briefings",
        sa.Column("briefing_id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36)),
        sa.Column("held_on", sa.Date),
        sa.Column("attendees", sa.Integer),
    )
    op.create_table(
        "rm_actions",
        sa.Column("action_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(10)),
        sa.Column("audit_id", sa.String(36)),
        sa.Column("case_id", sa.String(36)),
        sa.Column("owning_agency", sa.String(60)),
        sa.Column("due_on", sa.Date),
        sa.Column("status_rank", sa.Integer),
        sa.Column("created_on", sa.Date),
        sa.Column("completed_on", sa.Date),
        sa.Column("on_time", sa.Boolean),
        sa.Column("escalations", sa.Integer),
        sa.Column("days_overdue", sa.Integer),
    )
    op.create_table(
        "rm_training",
        sa.Column("completion_id", sa.String(36), primary_key=True),
        sa.Column("agency", sa.String(60)),
        sa.Column("course", sa.String(200)),
        sa.Column("completed_on", sa.Date),
    )
    op.create_table(
        "rm_training_surveys",
        sa.Column("survey_id", sa.String(36), primary_key=True),
        sa.Column("completion_id", sa.String(36)),
        sa.Column("survey", sa.String(20)),
        sa.Column("agency", sa.String(60)),
        sa.Column("course", sa.String(200)),
        sa.Column("sent_on", sa.Date),
        sa.Column("answered_on", sa.Date),
        sa.Column("practice_changed", sa.Boolean),
        sa.Column("confidence_before", sa.Integer),
        sa.Column("confidence_after", sa.Integer),
        sa.Column("change_noticed", sa.Boolean),
        sa.Column("team_impact", sa.Integer),
    )


def downgrade() -> None:
    for table in (
            "rm_training_surveys",
            "rm_training",
            "rm_actions",
            "rm_briefings",
            "rm_themes",
            "rm_good_practice",
            "rm_audit_concerns",
            "rm_audit_responses",
            "rm_audits",
            "rm_notifications",
            "rm_deadlines",
            "rm_recommendations",
            "rm_case_dates",
            "rm_cases",
            "inbox",
            "outbox",
    ):
        op.drop_table(table)
