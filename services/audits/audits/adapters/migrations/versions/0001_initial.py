"""Themes, audits, samples, audited cases, responses, concerns, action plans, training and the bus tables.

Revision ID: 0001
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from safeguard_shared.db.tables import bus_tables_migration_ops

revision = "0001"
down_revision = None

TABLES = ("training_surveys", "training_completions", "action_updates", "actions", "concerns", "responses",
          "sampling_rules", "audited_cases", "samples", "audits", "themes")


def _instant(name: str, nullable: bool = False) -> "sa.Column[datetime]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    bus_tables_migration_ops(op, sa)
    op.create_table(
        "themes",
        sa.Column("theme_id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("published_on", sa.Date, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "audits",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("qa_meeting_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("theme_id", sa.String(36), nullable=True),
        sa.Column("state", sa.JSON, nullable=False),
        _instant("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _instant("updated_at"),
        sa.UniqueConstraint("theme_id", "kind", name="uq_audits_theme_kind"),
    )
    op.create_table(
        "samples",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("population_digest", sa.String(64), nullable=False),
        sa.Column("population_size", sa.BigInteger, nullable=False),
        sa.Column("cases", sa.JSON, nullable=False),
        _instant("drawn_at"),
        sa.Column("drawn_by", sa.String(200), nullable=False),
        sa.Column("excluded", sa.JSON, nullable=False),
        sa.Column("eligible_digest", sa.String(64), nullable=False),
        sa.Column("eligible_size", sa.BigInteger, nullable=False),
        sa.Column("case_agencies", sa.JSON, nullable=False),
    )
    op.create_table(
        "audited_cases",
        sa.Column("case_ref", sa.String(100), primary_key=True),
        sa.Column("audited_on", sa.Date, primary_key=True),
        sa.Column("audit_id", sa.String(36), nullable=True),
    )
    op.create_index("ix_audited_cases_on", "audited_cases", ["audited_on"])
    op.create_table(
        "sampling_rules",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("audited_within_months", sa.Integer, nullable=False),
        sa.Column("references", sa.JSON, nullable=False),
        _instant("updated_at"),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "responses",
        sa.Column("response_id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), nullable=False),
        sa.Column("case_no", sa.Integer, nullable=False),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("impact_evidence", sa.Text, nullable=True),
        _instant("updated_at", nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.Column("submitted_on", sa.Date, nullable=True),
        sa.UniqueConstraint("audit_id", "case_no", "agency", name="uq_responses_case_agency"),
    )
    op.create_index("ix_responses_agency", "responses", ["agency", "audit_id"])
    op.create_table(
        "concerns",
        sa.Column("concern_id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), nullable=False),
        sa.Column("case_no", sa.Integer, nullable=True),
        sa.Column("raised_by_agency", sa.String(60), nullable=False),
        sa.Column("raised_by", sa.String(200), nullable=False),
        sa.Column("agency_concerned", sa.String(60), nullable=False),
        sa.Column("concern", sa.Text, nullable=False),
        sa.Column("action_taken", sa.Text, nullable=True),
        sa.Column("raised_on", sa.Date, nullable=False),
        _instant("raised_at"),
    )
    op.create_index("ix_concerns_audit_id", "concerns", ["audit_id"])
    op.create_table(
        "actions",
        sa.Column("action_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("audit_id", sa.String(36), nullable=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("recommendation_id", sa.String(100), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owning_agency", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("overdue_since", sa.Date, nullable=True),
        sa.Column("escalations", sa.Integer, nullable=False),
        sa.Column("next_check_on", sa.Date, nullable=True),
        sa.Column("updates", sa.Integer, nullable=False),
        sa.Column("completion_evidence", sa.Text, nullable=True),
        sa.Column("completed_on", sa.Date, nullable=True),
        sa.Column("created_on", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("case_id", "recommendation_id", name="uq_actions_recommendation"),
    )
    op.create_index("ix_actions_audit_id", "actions", ["audit_id"])
    op.create_index("ix_actions_owning_agency", "actions", ["owning_agency"])
    op.create_index("ix_actions_next_check", "actions", ["next_check_on"])
    op.create_table(
        "action_updates",
        sa.Column("update_id", sa.String(36), primary_key=True),
        sa.Column("action_id", sa.String(36), nullable=False),
        sa.Column("progress_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        _instant("recorded_at"),
    )
    op.create_index("ix_action_updates_action_id", "action_updates", ["action_id"])
    op.create_table(
        "training_completions",
        sa.Column("completion_id", sa.String(36), primary_key=True),
        sa.Column("trainee", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False),
        sa.Column("course", sa.String(200), nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("manager", sa.String(200), nullable=True),
        _instant("imported_at"),
        sa.UniqueConstraint("trainee", "course", "completed_on", name="uq_training_completion"),
    )
    op.create_index("ix_training_completions_agency", "training_completions", ["agency", "course"])
    op.create_table(
        "training_surveys",
        sa.Column("survey_id", sa.String(36), primary_key=True),
        sa.Column("completion_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False),
        sa.Column("course", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sent_on", sa.Date, nullable=True),
        sa.Column("answers", sa.JSON, nullable=True),
        sa.Column("answered_on", sa.Date, nullable=True),
        sa.UniqueConstraint("completion_id", "kind", name="uq_training_survey"),
    )
    op.create_index("ix_training_surveys_due", "training_surveys", ["status", "due_on"])


def downgrade() -> None:
    for table in TABLES + ("inbox", "outbox"):
        op.drop_table(table)
