"""Which use case answers which event. The clock listens to referrals (cases open, milestones, a
SAR's delay), audits (audits planned, their milestones, training completions and surveys) and
notifications (a statutory message that went out meets its clock).

Each handler takes the partnership's ``Timekeeping`` too; ``bind`` gives it to them once, at start.
"""
from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from functools import partial
from typing import Any, Protocol

from safeguard_shared.bus.dispatch import EventHandler, EventHandlers
from safeguard_shared.contracts.audits import (
    AuditMilestoneReached,
    AuditPlanned,
    CasesSampled,
    TrainingCompleted,
    TrainingSurveySent,
)
from safeguard_shared.contracts.envelope import Event
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import (
    CaseOpened,
    MeetingRebooked,
    MilestoneReached,
    RapidReviewDecided,
    SarDecided,
    SarDelayChanged,
    SarScreened,
    ScopingRequested,
)
from safeguard_shared.unit_of_work import UnitOfWork

from .commands import when_a_sar_is_delayed_or_resumed_stop_or_restart_its_clocks
from .facts import (
    when_a_case_milestone_is_reached_record_it,
    when_a_case_opens_apply_the_facts_that_came_first,
    when_a_rapid_review_is_decided_close_what_no_longer_feeds_it,
    when_a_sar_is_not_convened_close_its_clocks,
    when_a_sar_is_screened_out_close_its_clocks,
    when_a_statutory_message_is_sent_record_it,
    when_a_training_survey_is_sent_record_it,
    when_an_audit_is_planned_apply_the_facts_that_came_first,
    when_an_audit_is_replanned_its_clocks_follow,
    when_an_audit_milestone_is_reached_record_it,
    when_cases_are_sampled_record_it,
    when_training_is_completed_apply_the_facts_that_came_first,
)
from .meetings import when_a_meeting_is_booked_keep_it
from .starting import (
    when_a_case_opens_start_its_clocks,
    when_an_audit_is_planned_start_its_clocks,
    when_training_is_completed_start_its_follow_ups,
)
from .timekeeping import Timekeeping


class ClockHandler(Protocol):
    def __call__(self, event: Any, uow: UnitOfWork, tk: Timekeeping) -> Awaitable[None]: ...


EVENT_HANDLERS: Mapping[type[Event], Sequence[ClockHandler]] = {
    # A fact that came before its case, audit or completion is applied once its clocks run (same
    # transaction: the handlers of one event share the inbox's unit of work).
    CaseOpened: [when_a_case_opens_start_its_clocks, when_a_case_opens_apply_the_facts_that_came_first],
    MilestoneReached: [when_a_case_milestone_is_reached_record_it],
    # The meeting as booked, for the calendar feeds (its window is the rr.meeting deadline).
    ScopingRequested: [when_a_meeting_is_booked_keep_it],
    MeetingRebooked: [when_a_meeting_is_booked_keep_it],
    SarDelayChanged: [when_a_sar_is_delayed_or_resumed_stop_or_restart_its_clocks],
    # An ended pathway closes the clocks that hang on it (the rules' `closed_by`).
    SarScreened: [when_a_sar_is_screened_out_close_its_clocks],
    SarDecided: [when_a_sar_is_not_convened_close_its_clocks],
    RapidReviewDecided: [when_a_rapid_review_is_decided_close_what_no_longer_feeds_it],
    AuditPlanned: [when_an_audit_is_planned_start_its_clocks, when_an_audit_is_planned_apply_the_facts_that_came_first,
                   when_an_audit_is_replanned_its_clocks_follow],
    CasesSampled: [when_cases_are_sampled_record_it],
    AuditMilestoneReached: [when_an_audit_milestone_is_reached_record_it],
    TrainingCompleted: [when_training_is_completed_start_its_follow_ups,
                        when_training_is_completed_apply_the_facts_that_came_first],
    TrainingSurveySent: [when_a_training_survey_is_sent_record_it],
    NotificationSent: [when_a_statutory_message_is_sent_record_it],
}


def bind(tk: Timekeeping, table: Mapping[type[Event], Sequence[ClockHandler]] = EVENT_HANDLERS) -> EventHandlers:
    """The table with the partnership's timekeeping given to every handler, as the dispatcher calls them."""
    bound: dict[type[Event], list[EventHandler]] = {
        contract: [partial(handler, tk=tk) for handler in handlers] for contract, handlers in table.items()}
    return bound
