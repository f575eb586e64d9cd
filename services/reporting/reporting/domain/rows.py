"""The read models' rows as the figures read them: one typed dictionary per table, a column per
key (dates are ``date``; a column an event has not set yet is None). A case also carries the dates
its facts were recorded on, an audit its stage, an action its status (named from their ranks)."""
from __future__ import annotations

from datetime import date, datetime
from typing import TypedDict


class CaseRow(TypedDict):
    case_id: str
    pathway: str | None
    referring_agency: str | None
    received_on: date | None
    opened_at: datetime | None
    rapid_review: bool | None
    serious_incident: bool | None
    looked_after_death: bool | None
    stage_rank: int | None
    rr_decision: str | None
    panel_response: str | None
    sar_screening: str | None
    sar_convene: bool | None
    published_in_full: bool | None
    delayed: bool | None
    findings: int | None
    actions_taken: int | None
    not_acted_on: list[str] | None
    dates: dict[str, date]  # fact or anchor name ("<name>@<agency>" for an agency's own) -> date


class RecommendationRow(TypedDict):
    recommendation_id: str
    case_id: str | None
    pathway: str | None
    owning_agency: str | None


class DeadlineRow(TypedDict):
    deadline_id: str
    key: str
    case_id: str | None
    audit_id: str | None
    completion_id: str | None
    agency: str | None
    who_agency: str | None
    due: date
    description: str | None
    target: date | None
    status: str | None
    scheduled_on: date | None
    met_on: date | None
    on_time: bool | None
    working_days_late: int | None
    target_met: bool | None
    outside_window: bool | None
    missed: bool | None
    escalations: int | None
    working_days_overdue: int | None


class NotificationRow(TypedDict):
    notification_id: str
    case_id: str | None
    audit_id: str | None
    recipient_kind: str
    template: str
    agency: str | None
    sent_on: date | None


class AuditRow(TypedDict):
    audit_id: str
    theme: str | None
    kind: str | None
    qa_meeting_on: date | None
    stage_rank: int | None
    population_size: int | None
    sample_size: int | None
    held_on: date | None
    responses_owed: int | None
    findings: int | None
    recommendations: int | None
    ratified_on: date | None
    invited: int | None
    attended: int | None
    stage: str


class AuditResponseRow(TypedDict):
    response_id: str
    audit_id: str | None
    agency: str | None
    submitted_on: date | None
    no_information_held: bool | None


class ConcernRow(TypedDict):
    concern_id: str
    audit_id: str | None
    agency_concerned: str | None
    raised_on: date | None


class GoodPracticeRow(TypedDict):
    audit_id: str
    agency: str
    acknowledged_on: date | None


class ThemeRow(TypedDict):
    source: str  # "theme" (published by the QA sub-group) or "learning" (published from an audit)
    source_id: str
    theme: str
    on_date: date | None
    learning_points: int | None


class BriefingRow(TypedDict):
    briefing_id: str
    audit_id: str | None
    held_on: date | None
    attendees: int | None


class ActionRow(TypedDict):
    action_id: str
    source: str | None
    audit_id: str | None
    case_id: str | None
    owning_agency: str | None
    due_on: date | None
    status_rank: int | None
    created_on: date | None
    completed_on: date | None
    on_time: bool | None
    escalations: int | None
    days_overdue: int | None
    status: str


class TrainingRow(TypedDict):
    completion_id: str
    agency: str | None
    course: str | None
    completed_on: date | None


class SurveyRow(TypedDict):
    survey_id: str
    completion_id: str | None
    survey: str | None
    agency: str | None
    course: str | None
    sent_on: date | None
    answered_on: date | None
    practice_changed: bool | None
    confidence_before: int | None
    confidence_after: int | None
    change_noticed: bool | None
    team_impact: int | None
