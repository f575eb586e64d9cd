"""Events the audits service publishes (subject prefix ``audits.``).

Quality assurance: multi-agency case file audits (MACFA), their action plans, the action plans of
reviews, and the impact of core training. No event carries the name or the case reference of a
child or an adult: the sampled case references are the partnership's own and stay in the audits
store; an event names a sampled case, where it must, by its place in the draw (``case_no`` 1–4).
Free text (scope, answers, findings, concerns, action descriptions) stays in the store too.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .envelope import Event, register

AuditKind = Literal["children", "adults"]
# The facts the scheduling service's macfa.* rules are met by (``met_by`` in its timescales.yaml).
AuditFact = Literal["scope_agreed", "template_sent", "programme_sent", "audit_held", "report_presented"]
RatifyingBody = Literal["children_partnership_group", "safeguarding_adults_board", "executive"]
SurveyKind = Literal["follow_up", "manager"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the audit ------------------------------------------------------------------------------------
@register
class ThemePublished(Event):
    """The QA sub-group published a theme for multi-agency case file audits."""

    event_type = "audits.theme.published"
    schema_version = 1

    theme_id: str
    title: str
    kinds: list[AuditKind]
    published_on: date


@register
class AuditPlanned(Event):
    """A multi-agency case file audit was planned for a theme, backward from the QA sub-group meeting.

    Published again, with the same ``audit_id``, when the plan changes: the QA sub-group meeting
    moved, or the audit date set (``audit_on``); the clocks that count back from them follow."""

    event_type = "audits.audit.planned"
    schema_version = 1

    audit_id: str
    theme: str
    kind: Literal["children", "adults"]
    qa_meeting_on: date
    # The audit date once the QA lead has fixed it; until then the clock plans it (macfa.audit_date).
    audit_on: date | None = None


@register
class CasesSampled(Event):
    """Four cases were drawn at random for an audit; the seed and population digest make it re-runnable."""

    event_type = "audits.audit.cases_sampled"
    schema_version = 1

    audit_id: str
    seed: int
    population_digest: str
    population_size: int
    sample_size: int


@register
class AuditMilestoneReached(Event):
    """Something the MACFA timetable times happened on an audit. ``fact`` is one of the scheduling
    rules' ``met_by`` names (the draw itself is ``audits.audit.cases_sampled``)."""

    event_type = "audits.audit.milestone_reached"
    schema_version = 1

    audit_id: str
    fact: AuditFact
    on: date


@register
class ScopeAgreed(Event):
    """The theme lead is named, the scope agreed and the audit tool devised (its questions counted)."""

    event_type = "audits.audit.scope_agreed"
    schema_version = 1

    audit_id: str
    kind: AuditKind
    questions: int
    open_questions: int
    agreed_on: date


@register
class AuditToolSent(Event):
    """The case file audit template went to the leads of the agencies involved in the sampled cases:
    one response is owed by each agency for each sampled case it was involved in."""

    event_type = "audits.audit.tool_sent"
    schema_version = 1

    audit_id: str
    kind: AuditKind
    agencies: list[str]
    responses_owed: int
    sent_on: date
    theme: str | None = None  # the QA sub-group's theme title, for the covering email
    qa_meeting_on: date | None = None


@register
class ResponseSubmitted(Event):
    """An agency submitted its complete audit response for one sampled case."""

    event_type = "audits.response.submitted"
    schema_version = 1

    audit_id: str
    response_id: str
    agency: str
    case_no: int
    submitted_on: date
    no_information_held: bool = False


@register
class ConcernRaised(Event):
    """An immediate safeguarding concern found while auditing: recorded on the audit and escalated at
    once to the business unit and the agency concerned."""

    event_type = "audits.concern.raised"
    schema_version = 1

    concern_id: str
    audit_id: str
    kind: AuditKind
    raised_by_agency: str
    agency_concerned: str
    raised_on: date
    case_no: int | None = None
    theme: str | None = None


class ProgrammeItem(_Part):
    starts_at: str  # "HH:MM", local time on held_on
    ends_at: str
    item: str


class Invitee(_Part):
    agency: str
    role: str  # e.g. "auditor", "lead practitioner", "manager": never a name
    required_from: str  # "HH:MM"
    required_until: str


@register
class InvitationsSent(Event):
    """Invitees receive the programme of the audit session and learning event with the times they are needed."""

    event_type = "audits.learning_event.invitations_sent"
    schema_version = 1

    audit_id: str
    kind: AuditKind
    held_on: date
    programme: list[ProgrammeItem]
    invitees: list[Invitee]
    sent_on: date


@register
class LearningEventHeld(Event):
    """The audit session and learning event was held: attendance by agency, absences named."""

    event_type = "audits.learning_event.held"
    schema_version = 1

    audit_id: str
    kind: AuditKind
    held_on: date
    invited_agencies: list[str]
    attended_agencies: list[str]
    absent_agencies: list[str]


@register
class FindingsRecorded(Event):
    """The audit's findings and recommendations were recorded (the text stays in the audits store)."""

    event_type = "audits.audit.findings_recorded"
    schema_version = 1

    audit_id: str
    kind: AuditKind
    findings: int
    recommendations: int
    recorded_on: date


@register
class AuditRatified(Event):
    """The findings were ratified: by the children's partnership group (children) or the safeguarding
    adults board (adults), and then by the executive."""

    event_type = "audits.audit.ratified"
    schema_version = 1

    audit_id: str
    kind: AuditKind
    by: RatifyingBody
    ratified_on: date


@register
class GoodPracticeAcknowledged(Event):
    """Good or excellent practice found by the audit was acknowledged to the agency."""

    event_type = "audits.good_practice.acknowledged"
    schema_version = 1

    audit_id: str
    agency: str
    acknowledged_on: date


@register
class LearningPublished(Event):
    """The audit's learning, without identifying details, was published."""

    event_type = "audits.learning.published"
    schema_version = 1

    audit_id: str
    kind: AuditKind
    theme: str
    learning_points: int
    published_on: date


@register
class BriefingHeld(Event):
    """A lunchtime briefing fed the audit's learning back to front-line staff."""

    event_type = "audits.briefing.held"
    schema_version = 1

    briefing_id: str
    audit_id: str
    held_on: date
    attendees: int
    agencies: list[str]


# --- action plans -----------------------------------------------------------------------------------
class _ActionEvent(Event):
    action_id: str
    source: Literal["audit", "review"]
    audit_id: str | None = None
    case_id: str | None = None  # the review case (referrals' case id) a recommendation came from
    case_ref: str | None = None  # that case's reference, for the letters that name it (optional)
    owning_agency: str
    due_on: date | None = None


@register
class ActionCreated(_ActionEvent):
    """An action joined an action plan: from an audit's findings, or from a review's recommendation
    (which waits for the QA sub-group to agree its due date)."""

    event_type = "audits.action.created"
    schema_version = 1

    created_on: date


@register
class ActionDueDateSet(_ActionEvent):
    """The QA sub-group agreed (or moved) an action's due date."""

    event_type = "audits.action.due_date_set"
    schema_version = 1

    previous_due_on: date | None = None
    set_on: date


@register
class ActionProgressRecorded(_ActionEvent):
    """The owning agency reported progress on an action."""

    event_type = "audits.action.progress_recorded"
    schema_version = 1

    recorded_on: date
    updates: int


@register
class ActionCompleted(_ActionEvent):
    """The action was completed, with evidence."""

    event_type = "audits.action.completed"
    schema_version = 1

    completed_on: date
    on_time: bool


@register
class ActionOverdue(_ActionEvent):
    """The action's due day ended (Europe/London) without it being completed."""

    event_type = "audits.action.overdue"
    schema_version = 1

    overdue_on: date  # the first day it was overdue


@register
class ActionEscalated(_ActionEvent):
    """Still overdue: the n-th escalation, repeated at the partnership's interval."""

    event_type = "audits.action.escalated"
    schema_version = 1

    escalation: int
    days_overdue: int
    escalated_on: date


# --- training impact ----------------------------------------------------------------------------------
@register
class TrainingCompleted(Event):
    """A member of an agency's staff completed core safeguarding training. Starts the clocks
    ``training.follow_up`` and ``training.manager_survey`` (anchor ``training_completed_on``)."""

    event_type = "audits.training.completed"
    schema_version = 1

    completion_id: str
    agency: str
    course: str
    training_completed_on: date


@register
class TrainingSurveyDue(Event):
    """A survey's day has come: the notifications service owes the message to the trainee or their
    manager (``recipient``). The address never travels: it stays in the audits store, and the
    notifications service asks the audits service for it, and for the survey's signed link, when it
    sends (services/audits README). The clock is met by the message having left
    (``audits.training.survey_sent``, published once ``notifications.notification.sent`` says so)."""

    event_type = "audits.training.survey_due"
    schema_version = 1

    survey_id: str
    completion_id: str
    survey: SurveyKind
    recipient: Literal["trainee", "manager"]
    agency: str
    course: str
    training_completed_on: date
    due_on: date


@register
class TrainingSurveySent(Event):
    """The follow-up survey (to the trainee) or the manager survey went out: the notifications service
    handed the message over (``notifications.notification.sent``), on ``sent_on``. ``fact`` is the
    scheduling rule's ``met_by`` name (``follow_up_survey_sent`` or ``manager_survey_sent``)."""

    event_type = "audits.training.survey_sent"
    schema_version = 1

    survey_id: str
    completion_id: str
    survey: SurveyKind
    fact: Literal["follow_up_survey_sent", "manager_survey_sent"]
    agency: str
    course: str
    sent_on: date


@register
class TrainingSurveyAnswered(Event):
    """A survey came back: the scores only (comments stay in the audits store)."""

    event_type = "audits.training.survey_answered"
    schema_version = 1

    survey_id: str
    completion_id: str
    survey: SurveyKind
    agency: str
    course: str
    answered_on: date
    practice_changed: bool | None = None  # follow-up: the trainee changed their practice
    confidence_before: int | None = None  # follow-up: 1–5
    confidence_after: int | None = None
    change_noticed: bool | None = None  # manager: an impact on the team or service was noticed
    team_impact: int | None = None  # manager: 1–5
