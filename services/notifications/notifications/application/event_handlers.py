"""Which use case answers which event: the one table the consumers run (docs/framework.md names
the moments). Bootstrap binds each handler's dependencies (``bind``) and subscribes the table."""
from __future__ import annotations

import functools
import inspect
from typing import Any

from safeguard_shared.bus.dispatch import EventHandler, EventHandlers
from safeguard_shared.contracts.audits import (
    ActionEscalated,
    ActionOverdue,
    AuditToolSent,
    ConcernRaised,
    InvitationsSent,
    TrainingSurveyDue,
)
from safeguard_shared.contracts.referrals import (
    CaseOpened,
    FamilyLetterAwaitingContact,
    FamilyLetterOwed,
    FamilyLetterOwedV1,
    FinalReportReady,
    MeetingRebooked,
    PanelNotificationConfirmed,
    RapidReviewDecided,
    ReferralReturned,
    SarDecided,
    SarScreened,
    ScopingRequested,
)
from safeguard_shared.contracts.scheduling import (
    DeadlineChanged,
    DeadlineDueSoon,
    DeadlineEscalated,
    DeadlineMissed,
    DeadlineScheduled,
)

from . import audits, deadlines, referrals

EVENT_HANDLERS: dict[type, list[Any]] = {
    # referrals
    CaseOpened: [referrals.when_case_opened_send_statutory_notices],
    PanelNotificationConfirmed: [referrals.when_the_local_authority_confirms_notify_the_panel],
    ReferralReturned: [referrals.when_a_referral_is_returned_send_it_back_with_the_reasons],
    SarScreened: [referrals.when_a_sar_referral_is_screened_tell_the_referrer],
    SarDecided: [referrals.when_a_sar_is_decided_tell_the_referrer],
    FamilyLetterOwed: [referrals.when_a_letter_to_the_family_is_owed_write_it],
    # Version 1 carried what version 2 asks the referrals service for: no upcaster can carry it up,
    # so the letters it owes (those on the stream at an upgrade) are written from it as before.
    FamilyLetterOwedV1: [referrals.when_a_letter_to_the_family_was_owed_with_its_contact_write_it],
    FamilyLetterAwaitingContact: [referrals.when_a_family_letter_waits_for_a_contact_tell_the_business_unit],
    ScopingRequested: [referrals.when_scoping_requested_write_to_each_agency],
    MeetingRebooked: [referrals.when_the_meeting_is_rebooked_invite_each_agency_again],
    RapidReviewDecided: [referrals.when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies],
    FinalReportReady: [referrals.when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state],
    # scheduling (the clock)
    DeadlineScheduled: [deadlines.when_an_audit_date_is_set_remember_it],
    DeadlineChanged: [deadlines.when_an_audit_date_is_set_remember_it],
    DeadlineDueSoon: [deadlines.when_a_deadline_is_due_soon_remind_whoever_must_act],
    DeadlineMissed: [deadlines.when_a_deadline_is_missed_tell_whoever_must_act],
    DeadlineEscalated: [deadlines.when_a_deadline_is_escalated_tell_whoever_must_act],
    # audits (quality assurance)
    AuditToolSent: [audits.when_the_audit_template_is_due_send_it_to_each_agency_audit_lead],
    InvitationsSent: [audits.when_the_audit_programme_is_due_send_it_to_each_invitee],
    ConcernRaised: [audits.when_an_immediate_concern_is_found_escalate_it],
    ActionOverdue: [audits.when_an_action_is_overdue_chase_its_owning_agency],
    ActionEscalated: [audits.when_an_action_is_escalated_chase_its_owning_agency],
    TrainingSurveyDue: [audits.when_a_training_survey_is_due_write_to_its_recipient],
}


def bind(table: dict[type, list[Any]], **dependencies: Any) -> EventHandlers:
    """The table with each handler given the dependencies it names (``outgoing=…``), so that each
    becomes ``handler(event, uow)``."""
    return {contract: [_inject(handler, dependencies) for handler in handlers]
            for contract, handlers in table.items()}


def _inject(handler: Any, dependencies: dict[str, Any]) -> EventHandler:
    wanted = {name: dependency for name, dependency in dependencies.items()
              if name in inspect.signature(handler).parameters}
    return functools.partial(handler, **wanted) if wanted else handler
