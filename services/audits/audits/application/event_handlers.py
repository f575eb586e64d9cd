"""Which use case answers which event. The dispatcher (safeguard_shared.bus.dispatch) parses each
envelope to its contract and runs these inside the inbox's transaction."""
from __future__ import annotations

from safeguard_shared.bus.dispatch import EventHandlers
from safeguard_shared.contracts.notifications import NotificationFailed, NotificationSent
from safeguard_shared.contracts.referrals import RecommendationsPublished
from safeguard_shared.contracts.scheduling import DeadlineScheduled

from .actions import when_review_recommendations_published_plan_actions
from .training import (
    when_a_survey_clock_starts_note_its_day,
    when_a_survey_message_fails_list_it,
    when_a_survey_message_leaves_the_survey_is_sent,
)

EVENT_HANDLERS: EventHandlers = {
    RecommendationsPublished: [when_review_recommendations_published_plan_actions],
    DeadlineScheduled: [when_a_survey_clock_starts_note_its_day],
    # A survey is sent when its message has left (the notifications stream: sent and failed only).
    NotificationSent: [when_a_survey_message_leaves_the_survey_is_sent],
    NotificationFailed: [when_a_survey_message_fails_list_it],
}
