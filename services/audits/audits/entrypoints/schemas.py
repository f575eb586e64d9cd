"""The shapes of the service's JSON answers, so the OpenAPI document describes each one. They add no
key and drop none: every answer keeps the keys and values it had before it had a schema."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer

# An instant as ``datetime.isoformat()`` writes it ("…+00:00"), as these answers always gave it.
Instant = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str)]


class Out(BaseModel):
    pass


# --- themes and audits ------------------------------------------------------------------------------
class Theme(Out):
    theme_id: str
    title: str
    kinds: list[str]
    description: str | None
    published_on: date


class AuditSummary(Out):
    audit_id: str
    theme: str
    kind: str
    qa_meeting_on: date
    status: str
    theme_id: str | None


class QuestionOut(Out):
    id: str
    text: str
    kind: str


class ProgrammeItem(Out):
    starts_at: str
    ends_at: str
    item: str


class Invitee(Out):
    agency: str
    role: str
    required_from: str
    required_until: str


class Invitations(Out):
    held_on: date
    venue: str | None
    programme: list[ProgrammeItem]
    invitees: list[Invitee]
    sent_on: date


class Attendee(Out):
    agency: str
    role: str


class Attendance(Out):
    held_on: date
    attended: list[Attendee]
    absent: list[str]
    absence_reasons: dict[str, str]


class Findings(Out):
    findings: list[str]
    recommendations: list[str]
    recorded_on: date


class GoodPractice(Out):
    agency: str
    practice: str
    acknowledged_on: date


class Learning(Out):
    summary: str
    learning_points: list[str]
    published_on: date


class Briefing(Out):
    briefing_id: str
    held_on: date
    title: str
    attendees: int
    agencies: list[str]


class AuditOut(AuditSummary):
    """The audit as the QA sub-group sees it after a step."""

    theme_lead: str | None
    scope: str | None
    questions: list[QuestionOut]
    scope_agreed_on: date | None
    tool_sent_on: date | None
    tool_agencies: dict[str, list[str]]
    invitations: Invitations | None
    attendance: Attendance | None
    findings: Findings | None
    ratifications: dict[str, date]
    good_practice: list[GoodPractice]
    report_presented_on: date | None
    learning: Learning | None
    briefings: list[Briefing]
    invited_agencies: list[str]


class ExcludedCase(Out):
    case_ref: str
    reason: str


class Sample(Out):
    """The audit's draw: re-run it with ``random.Random(seed).sample(sorted(eligible population), 4)``."""

    audit_id: str
    cases: list[str]
    seed: int
    population_digest: str
    population_size: int
    drawn_at: Instant
    excluded: list[ExcludedCase]
    eligible_digest: str
    eligible_size: int
    case_agencies: dict[str, list[str]]


class ConcernOnAudit(Out):
    concern_id: str
    case_no: int | None
    raised_by_agency: str
    agency_concerned: str
    concern: str
    action_taken: str | None
    raised_on: date


class AuditDetail(AuditOut):
    """One audit with its draw, returns by agency ({agency: {status: count}}), concerns and actions by status."""

    sample: Sample | None
    responses: dict[str, dict[str, int]]
    concerns: list[ConcernOnAudit]
    actions: dict[str, int]


# --- sampling ---------------------------------------------------------------------------------------
class Exclusions(Out):
    audited_within_months: int
    references: list[ExcludedCase]
    updated_at: Instant | None
    updated_by: str | None


class AuditedCasesAdded(Out):
    received: int
    added: int


class AuditedCase(Out):
    case_ref: str
    audited_on: date
    audit_id: str | None


# --- responses and concerns -------------------------------------------------------------------------
class ResponseOut(Out):
    response_id: str
    audit_id: str
    case_no: int
    case_ref: str
    agency: str
    status: str
    questions: list[QuestionOut]
    answers: dict[str, str]
    impact_evidence: str | None
    submitted_on: date | None


class OwedResponse(Out):
    """A response owed for an audit, without its answers: the audit's theme, its QA sub-group meeting and,
    once the invitations are sent, the day of the audit session."""

    response_id: str
    audit_id: str
    theme: str
    kind: str
    qa_meeting_on: date
    session_on: date | None
    case_no: int
    case_ref: str
    agency: str
    status: str
    submitted_on: date | None


class ConcernOut(Out):
    concern_id: str
    audit_id: str
    case_no: int | None
    agency_concerned: str
    raised_by_agency: str
    raised_on: date
    escalated: bool


# --- published learning -----------------------------------------------------------------------------
class LearningSummary(Out):
    audit_id: str
    theme: str
    kind: str
    published_on: date
    learning_points: int
    briefings: int


# --- action plans -----------------------------------------------------------------------------------
class ActionOut(Out):
    action_id: str
    source: str
    audit_id: str | None
    case_id: str | None
    recommendation_id: str | None
    description: str
    owning_agency: str
    status: str
    due_on: date | None
    overdue_since: date | None
    escalations: int
    updates: int
    completion_evidence: str | None
    completed_on: date | None
    created_on: date
    overdue: bool


class Progress(Out):
    on: date
    note: str
    by: str


class ActionDetail(ActionOut):
    progress: list[Progress]


# --- training impact --------------------------------------------------------------------------------
class ImportResult(Out):
    received: int
    imported: int
    already_imported: int


class SurveysSent(Out):
    sent: int


class Survey(Out):
    survey_id: str
    completion_id: str
    kind: str
    agency: str
    course: str
    due_on: date | None
    status: str
    sent_on: date | None
    answers: dict[str, Any] | None
    answered_on: date | None


class SurveyRecipient(Out):
    survey_id: str
    address: str | None
    survey_url: str
    link_expires_on: date
    trainee: str | None  # a manager's survey: the trainee's staff identifier


class FollowUpFigures(Out):
    sent: int
    answered: int
    response_rate_percent: float | None
    practice_changed_percent: float | None
    mean_confidence_before: float | None
    mean_confidence_after: float | None


class ManagerFigures(Out):
    sent: int
    answered: int
    response_rate_percent: float | None
    change_noticed_percent: float | None
    mean_team_impact: float | None


class ImpactFigures(Out):
    completions: int
    follow_up: FollowUpFigures
    manager: ManagerFigures


class Impact(Out):
    by: str
    completed_from: date | None
    completed_to: date | None
    overall: ImpactFigures
    groups: dict[str, ImpactFigures]
