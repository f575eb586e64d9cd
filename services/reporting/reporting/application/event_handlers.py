"""Which projection answers which event: ``EVENT_HANDLERS``, the one table the live consumer and
the replay both read.

Reporting imports every contract it projects, so a contract renamed or removed breaks this module at
import rather than being skipped in silence. Events no projection answers (a family letter, which
carries a contact's details; a contract this build does not know) are passed over without being
parsed. An event that breaks its contract (an extra field smuggling a reference) is refused before
anything is stored, and the consumer dead-letters it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from safeguard_shared.bus.dispatch import EventDispatcher
from safeguard_shared.bus.outbox import Outbox
from safeguard_shared.clock import Clock
from safeguard_shared.contracts import Event
from safeguard_shared.contracts import audits as A
from safeguard_shared.contracts import notifications as N
from safeguard_shared.contracts import referrals as R
from safeguard_shared.contracts import scheduling as S

from . import audit_projections as audits
from . import referral_projections as referrals
from . import scheduling_projections as scheduling
from .projection import Projection

EVENT_HANDLERS: Mapping[type[Event], Sequence[Projection[Any]]] = {
    R.CaseOpened: [Projection(referrals.case_opened)],
    R.MilestoneReached: [Projection(referrals.milestone_reached)],
    R.ScopingRequested: [Projection(referrals.scoping_requested)],
    R.RapidReviewDecided: [Projection(referrals.rapid_review_decided)],
    R.PanelResponded: [Projection(referrals.panel_responded)],
    R.FinalReportReady: [Projection(referrals.final_report_ready)],
    R.ReviewPublished: [Projection(referrals.review_published)],
    R.RecommendationsPublished: [Projection(referrals.recommendations_published)],
    R.ReferralReturned: [Projection(referrals.referral_returned)],
    R.SarScreened: [Projection(referrals.sar_screened)],
    R.SarDecided: [Projection(referrals.sar_decided)],
    R.SarDelayChanged: [Projection(referrals.sar_delay_changed)],
    R.FindingsRecorded: [Projection(referrals.findings_recorded)],
    S.DeadlineScheduled: [Projection(scheduling.deadline_scheduled)],
    S.DeadlineDueSoon: [Projection(scheduling.deadline_due_soon)],
    S.DeadlineMissed: [Projection(scheduling.deadline_missed)],
    S.DeadlineEscalated: [Projection(scheduling.deadline_escalated)],
    S.DeadlineMet: [Projection(scheduling.deadline_met)],
    S.DeadlineChanged: [Projection(scheduling.deadline_changed)],
    N.NotificationSent: [Projection(audits.notification_sent)],
    A.AuditPlanned: [Projection(audits.audit_planned)],
    A.CasesSampled: [Projection(audits.cases_sampled)],
    A.AuditMilestoneReached: [Projection(audits.audit_milestone_reached)],
    A.ScopeAgreed: [Projection(audits.scope_agreed)],
    A.AuditToolSent: [Projection(audits.audit_tool_sent)],
    A.ResponseSubmitted: [Projection(audits.response_submitted)],
    A.ConcernRaised: [Projection(audits.concern_raised)],
    A.LearningEventHeld: [Projection(audits.learning_event_held)],
    A.FindingsRecorded: [Projection(audits.findings_recorded)],
    A.AuditRatified: [Projection(audits.audit_ratified)],
    A.GoodPracticeAcknowledged: [Projection(audits.good_practice_acknowledged)],
    A.ThemePublished: [Projection(audits.theme_published)],
    A.LearningPublished: [Projection(audits.learning_published)],
    A.BriefingHeld: [Projection(audits.briefing_held)],
    A.ActionCreated: [Projection(audits.action_created)],
    A.ActionDueDateSet: [Projection(audits.action_due_date_set)],
    A.ActionProgressRecorded: [Projection(audits.action_progress_recorded)],
    A.ActionCompleted: [Projection(audits.action_completed)],
    A.ActionOverdue: [Projection(audits.action_overdue)],
    A.ActionEscalated: [Projection(audits.action_escalated)],
    A.TrainingCompleted: [Projection(audits.training_completed)],
    A.TrainingSurveySent: [Projection(audits.training_survey_sent)],
    A.TrainingSurveyAnswered: [Projection(audits.training_survey_answered)],
}


def projecting(outbox: Outbox, clock: Clock) -> EventDispatcher:
    """The live consumer's handler: ``EVENT_HANDLERS`` through the shared dispatcher (what
    ``runtime.handle_events`` subscribes; tests feed envelopes to it directly)."""
    return EventDispatcher(EVENT_HANDLERS, outbox, clock)
