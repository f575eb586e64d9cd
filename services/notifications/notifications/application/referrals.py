"""The messages the referrals service's events owe: statutory notices, scoping, the rapid review's
outcome, the final report, returned referrals, the SAR's screening and the letters to families."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from safeguard_shared.contracts.referrals import (
    CaseOpened,
    FamilyContact,
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
    delay_reason_label,
    rapid_review_meeting_uid,
)
from safeguard_shared.partnership import LONDON
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.calendar import Meeting
from ..domain import messages
from ..domain.messages import RR_CONTENT, Recipient
from .outgoing import Outgoing, queue_all

DECISION_TEXT = {"cspr": "to hold a local child safeguarding practice review",
                 "alternative_review": "to hold an alternative learning review (for example a table-top review)",
                 "no_review": "that no further review is needed"}


def _base(outgoing: Outgoing) -> dict[str, Any]:
    return {"partnership": outgoing.partnership}


async def when_case_opened_send_statutory_notices(event: CaseOpened, uow: UnitOfWork, outgoing: Outgoing) -> None:
    context = {**_base(outgoing), "case_ref": event.case_ref, "received_on": event.received_on.isoformat(),
               "became_aware_on": event.became_aware_on.isoformat() if event.became_aware_on else "not recorded",
               "referring_agency": event.referring_agency, "involved_agencies": event.involved_agencies}
    owed = messages.when_case_opened_send_statutory_notices(event.case_id, list(event.notices_owed))
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=context)


async def when_the_local_authority_confirms_notify_the_panel(
        event: PanelNotificationConfirmed, uow: UnitOfWork, outgoing: Outgoing) -> None:
    # The same message (and key) CaseOpened owes when the partnership does not hold it back.
    context = {**_base(outgoing), "case_ref": event.case_ref, "received_on": event.received_on.isoformat(),
               "became_aware_on": event.became_aware_on.isoformat(),
               "referring_agency": event.referring_agency, "involved_agencies": event.involved_agencies}
    owed = messages.when_the_local_authority_confirms_notify_the_panel(event.case_id)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=context)


async def when_a_referral_is_returned_send_it_back_with_the_reasons(
        event: ReferralReturned, uow: UnitOfWork, outgoing: Outgoing) -> None:
    # A resubmitted referral returned again owes another letter: this return is this event (its id).
    owed = messages.when_a_referral_is_returned_send_it_back_with_the_reasons(
        event.case_id, event.pathway, event.referring_agency, event.reasons, returned=_this_event(uow))
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context={**_base(outgoing), "case_ref": event.case_ref})


async def when_a_sar_referral_is_screened_tell_the_referrer(
        event: SarScreened, uow: UnitOfWork, outgoing: Outgoing) -> None:
    # The day the screening was recorded (in England), not the day this event happened to be handled.
    screened_on = uow.cause.occurred_at.astimezone(LONDON).date() if uow.cause else uow.clock.today()
    owed = messages.when_a_sar_referral_is_screened_tell_the_referrer(
        event.case_id, event.case_ref, event.referring_agency, event.outcome, screened_on=screened_on,
        basis=event.basis, mandatory_override=event.mandatory_override)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=_base(outgoing))


async def when_a_sar_is_decided_tell_the_referrer(event: SarDecided, uow: UnitOfWork, outgoing: Outgoing) -> None:
    owed = messages.when_a_sar_is_decided_tell_the_referrer(
        event.case_id, event.case_ref, event.referring_agency, convene=event.convene, decided_on=event.decided_on,
        confirmed_by_chair=event.confirmed_by_chair, chair_reviewed_on=event.chair_reviewed_on,
        other_steps=list(event.other_steps or []), basis=event.basis, mandatory_override=event.mandatory_override)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=_base(outgoing))


async def when_a_family_letter_waits_for_a_contact_tell_the_business_unit(
        event: FamilyLetterAwaitingContact, uow: UnitOfWork, outgoing: Outgoing) -> None:
    owed = messages.when_a_family_letter_waits_for_a_contact_tell_the_business_unit(
        event.case_id, event.case_ref, event.letter, event.owed_on, owed=_this_event(uow))
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=_base(outgoing))


async def when_a_letter_to_the_family_is_owed_write_it(
        event: FamilyLetterOwed, uow: UnitOfWork, outgoing: Outgoing) -> None:
    """The letter the referrals service recorded under its number: queued with markers where its
    recipient and the business unit's words go, filled in at each attempt to send it (dispatch)."""
    owed = messages.when_a_letter_to_the_family_is_owed_ask_for_it_when_sent(
        event.case_id, event.letter, event.letter_no, event.recipient_kind, event.channel, event.restricted,
        case_ref=event.case_ref, reason=delay_reason_label(event.reason_code) if event.reason_code else None,
        expected_by=event.expected_sign_off_on)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=_base(outgoing))


async def when_a_letter_to_the_family_was_owed_with_its_contact_write_it(
        event: FamilyLetterOwedV1, uow: UnitOfWork, outgoing: Outgoing) -> None:
    """A letter owed before version 2 (still on the stream at an upgrade): its event carried the
    recipient and the words, already on the bus, and the letter is written from them as before."""
    owed = messages.when_a_letter_to_the_family_is_owed_write_it(
        event.case_id, event.letter, recipient_of(event.recipient), case_ref=event.case_ref,
        # A delay's reason in the code's plain words (the business unit's own words stay in the referrals
        # store); events recorded before the code carried the words.
        reason=delay_reason_label(event.reason_code) if event.reason_code else event.reason,
        update=event.update, expected_by=event.expected_sign_off_on)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=_base(outgoing))


def _meeting_context(event: ScopingRequested | MeetingRebooked, outgoing: Outgoing) -> dict[str, Any]:
    return {**_base(outgoing), "case_ref": event.case_ref, "case_id": event.case_id,
            "meeting_on": event.meeting_on, "meeting_time": event.meeting_time,
            "meeting_place": event.meeting_place, "online": _is_link(event.meeting_place),
            "window_start": event.window_start, "window_end": event.window_end,
            "outside_window": event.outside_window, "complete_by": event.complete_by,
            "rebooked": isinstance(event, MeetingRebooked)}


async def _warn_when_after_the_completion_date(event: ScopingRequested | MeetingRebooked, uow: UnitOfWork,
                                               outgoing: Outgoing, context: dict[str, Any]) -> None:
    # Its own context, without the invitation's calendar: the warning is not an invitation.
    warning = messages.when_the_meeting_is_after_the_completion_date_warn_the_business_unit(
        event.case_id, event.complete_by, booking=event.booking if isinstance(event, MeetingRebooked) else 0)
    await queue_all(uow, warning, outgoing, case_id=event.case_id, context=context)


async def when_scoping_requested_write_to_each_agency(
        event: ScopingRequested, uow: UnitOfWork, outgoing: Outgoing) -> None:
    context = _meeting_context(event, outgoing)
    owed = messages.when_scoping_requested_write_to_each_agency(event.case_id, event.agencies)
    await queue_all(uow, owed, outgoing, case_id=event.case_id,
                    context={**context, "calendar": rapid_review_meeting(event, outgoing)})
    await _warn_when_after_the_completion_date(event, uow, outgoing, context)


async def when_the_meeting_is_rebooked_invite_each_agency_again(
        event: MeetingRebooked, uow: UnitOfWork, outgoing: Outgoing) -> None:
    """Every agency asked for scoping is invited again: the same calendar event (its UID), the next
    SEQUENCE, so Outlook moves the meeting rather than adding a second one."""
    context = _meeting_context(event, outgoing)
    owed = messages.when_the_meeting_is_rebooked_invite_each_agency_again(event.case_id, event.agencies,
                                                                         event.booking)
    await queue_all(uow, owed, outgoing, case_id=event.case_id,
                    context={**context, "calendar": rapid_review_meeting(event, outgoing)})
    await _warn_when_after_the_completion_date(event, uow, outgoing, context)


async def when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
        event: RapidReviewDecided, uow: UnitOfWork, outgoing: Outgoing) -> None:
    context = {**_base(outgoing), "case_ref": event.case_ref, "decision": event.decision,
               "decision_text": DECISION_TEXT[event.decision], "decided_on": event.decided_on.isoformat(),
               # The free text is the referrals service's: markers here, filled in when the message is sent.
               **RR_CONTENT, "agencies": event.agencies,
               "attended": [{"agency": a.agency, "role": a.role} for a in event.attended]}
    owed = messages.when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
        event.case_id, event.referring_agency, event.agencies)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=context)


async def when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state(
        event: FinalReportReady, uow: UnitOfWork, outgoing: Outgoing) -> None:
    if event.pathway != "child":  # a CSPR's report goes to the Panel; a SAR's does not
        return
    context = {**_base(outgoing), "case_ref": event.case_ref,
               "planned_publication_on": event.planned_publication_on.isoformat()}
    owed = messages.when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state(event.case_id)
    await queue_all(uow, owed, outgoing, case_id=event.case_id, context=context)


# How long a rapid review meeting is booked for in the calendar invitation (README, "Decisions").
RAPID_REVIEW_MEETING_LENGTH = timedelta(hours=2)


def rapid_review_meeting(event: ScopingRequested | MeetingRebooked, outgoing: Outgoing) -> Meeting:
    """The rapid review meeting as the calendar invitation gives it: one UID per case's meeting (the
    same in every agency's letter and invitation, and when it is re-booked), its SEQUENCE the booking,
    the case reference as its title, nothing identifying."""
    return Meeting(
        uid=rapid_review_meeting_uid(event.case_id), summary=f"Rapid review meeting: partnership case {event.case_ref}",
        description=(f"The rapid review meeting of the {outgoing.partnership} for partnership case "
                     f"{event.case_ref}. The case pack is in the partnership's safeguarding workspace."),
        on=event.meeting_on, starts_at=event.meeting_time, duration=RAPID_REVIEW_MEETING_LENGTH,
        place=event.meeting_place, organizer_name=f"{outgoing.partnership} business unit",
        organizer_email=outgoing.directory["business_unit"]["address"],
        sequence=event.booking if isinstance(event, MeetingRebooked) else 0)


def _is_link(place: str | None) -> bool:
    return bool(place) and str(place).startswith(("https://", "http://"))


def recipient_of(contact: FamilyContact) -> Recipient:
    """The referrals service's family contact as a recipient; a postal address given on one line
    is split at its commas."""
    address = (contact.postal_address or "").strip()
    lines = [part.strip() for part in (address.splitlines() if "\n" in address else address.split(","))]
    return Recipient(name=contact.name, email=contact.email, postal_address=tuple(p for p in lines if p),
                     contact_method=contact.channel, restriction=contact.restriction,
                     relationship=contact.relationship)


def _this_event(uow: UnitOfWork) -> str:
    if uow.causation_id is None:
        raise RuntimeError("an event handler's unit of work names the event it handles")
    return uow.causation_id
