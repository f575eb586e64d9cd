"""What the audits and notifications services' events set: audits, their responses, concerns and
learning, action plans, training and its surveys (scores only), and messages sent."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from safeguard_shared.contracts import audits as A
from safeguard_shared.contracts import notifications as N

from ..adapters.orm import (
    rm_actions,
    rm_audit_concerns,
    rm_audit_responses,
    rm_audits,
    rm_briefings,
    rm_good_practice,
    rm_notifications,
    rm_themes,
    rm_training,
    rm_training_surveys,
)
from ..adapters.read_models import Change
from ..domain import stages


def notification_sent(e: N.NotificationSent, at: datetime) -> list[Change]:
    return [Change(rm_notifications, {"notification_id": e.notification_id, "case_id": e.case_id,
                                      "audit_id": e.audit_id, "recipient_kind": e.recipient_kind,
                                      "template": e.template, "agency": e.agency, "sent_on": e.sent_on})]


def _audit(audit_id: str, **values: Any) -> Change:
    return Change(rm_audits, {"audit_id": audit_id, **values})


def audit_planned(e: A.AuditPlanned, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, theme=e.theme, kind=e.kind, qa_meeting_on=e.qa_meeting_on, stage_rank=10)]


def cases_sampled(e: A.CasesSampled, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, population_size=e.population_size, sample_size=e.sample_size, stage_rank=20)]


def audit_milestone_reached(e: A.AuditMilestoneReached, at: datetime) -> list[Change]:
    on = {"audit_held": "held_on", "report_presented": "reported_on"}.get(e.fact)
    dated = {on: e.on} if on else {}
    return [_audit(e.audit_id, stage_rank=stages.AUDIT_FACT_RANK.get(e.fact, 10), **dated)]


def scope_agreed(e: A.ScopeAgreed, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, stage_rank=15)]


def audit_tool_sent(e: A.AuditToolSent, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, responses_owed=e.responses_owed, stage_rank=25)]


def response_submitted(e: A.ResponseSubmitted, at: datetime) -> list[Change]:
    return [Change(rm_audit_responses, {"response_id": e.response_id, "audit_id": e.audit_id, "agency": e.agency,
                                        "submitted_on": e.submitted_on, "no_information_held": e.no_information_held})]


def concern_raised(e: A.ConcernRaised, at: datetime) -> list[Change]:
    return [Change(rm_audit_concerns, {"concern_id": e.concern_id, "audit_id": e.audit_id,
                                       "agency_concerned": e.agency_concerned, "raised_on": e.raised_on})]


def learning_event_held(e: A.LearningEventHeld, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, held_on=e.held_on, invited=len(e.invited_agencies),
                   attended=len(e.attended_agencies), stage_rank=30)]


def findings_recorded(e: A.FindingsRecorded, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, findings=e.findings, recommendations=e.recommendations, stage_rank=35)]


def audit_ratified(e: A.AuditRatified, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, ratified_on=e.ratified_on, stage_rank=50)]


def good_practice_acknowledged(e: A.GoodPracticeAcknowledged, at: datetime) -> list[Change]:
    return [Change(rm_good_practice, {"audit_id": e.audit_id, "agency": e.agency,
                                      "acknowledged_on": e.acknowledged_on})]


def theme_published(e: A.ThemePublished, at: datetime) -> list[Change]:
    return [Change(rm_themes, {"source": "theme", "source_id": e.theme_id, "theme": e.title,
                               "on_date": e.published_on, "learning_points": None})]


def learning_published(e: A.LearningPublished, at: datetime) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, stage_rank=60),
            Change(rm_themes, {"source": "learning", "source_id": e.audit_id, "theme": e.theme,
                               "on_date": e.published_on, "learning_points": e.learning_points})]


def briefing_held(e: A.BriefingHeld, at: datetime) -> list[Change]:
    return [Change(rm_briefings, {"briefing_id": e.briefing_id, "audit_id": e.audit_id, "held_on": e.held_on,
                                  "attendees": e.attendees})]


ActionEvent = (A.ActionCreated | A.ActionDueDateSet | A.ActionProgressRecorded | A.ActionCompleted
               | A.ActionOverdue | A.ActionEscalated)


def _action(e: ActionEvent, rank: int, **values: Any) -> Change:
    return Change(rm_actions, {"action_id": e.action_id, "source": e.source, "audit_id": e.audit_id,
                               "case_id": e.case_id, "owning_agency": e.owning_agency, "due_on": e.due_on,
                               "status_rank": rank, **values})


def action_created(e: A.ActionCreated, at: datetime) -> list[Change]:
    return [_action(e, 10, created_on=e.created_on)]


def action_due_date_set(e: A.ActionDueDateSet, at: datetime) -> list[Change]:
    return [_action(e, 10)]


def action_progress_recorded(e: A.ActionProgressRecorded, at: datetime) -> list[Change]:
    return [_action(e, 20)]


def action_completed(e: A.ActionCompleted, at: datetime) -> list[Change]:
    return [_action(e, 40, completed_on=e.completed_on, on_time=e.on_time)]


def action_overdue(e: A.ActionOverdue, at: datetime) -> list[Change]:
    return [_action(e, 30)]


def action_escalated(e: A.ActionEscalated, at: datetime) -> list[Change]:
    return [_action(e, 30, escalations=e.escalation, days_overdue=e.days_overdue)]


def training_completed(e: A.TrainingCompleted, at: datetime) -> list[Change]:
    return [Change(rm_training, {"completion_id": e.completion_id, "agency": e.agency, "course": e.course,
                                 "completed_on": e.training_completed_on})]


SurveyEvent = A.TrainingSurveySent | A.TrainingSurveyAnswered


def _survey(e: SurveyEvent, **values: Any) -> Change:
    return Change(rm_training_surveys, {"survey_id": e.survey_id, "completion_id": e.completion_id,
                                        "survey": e.survey, "agency": e.agency, "course": e.course, **values})


def training_survey_sent(e: A.TrainingSurveySent, at: datetime) -> list[Change]:
    return [_survey(e, sent_on=e.sent_on)]


def training_survey_answered(e: A.TrainingSurveyAnswered, at: datetime) -> list[Change]:
    # Scores only: a trainee's comments stay in the audits store.
    return [_survey(e, answered_on=e.answered_on, practice_changed=e.practice_changed,
                    confidence_before=e.confidence_before, confidence_after=e.confidence_after,
                    change_noticed=e.change_noticed, team_impact=e.team_impact)]
