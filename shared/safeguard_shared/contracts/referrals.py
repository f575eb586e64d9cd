"""Events the referrals service publishes (subject prefix ``referrals.``).

Events carry the case id and the facts other services need to act, never identifying details:
the child's or adult's reference, name and date of birth stay in the referrals store.
"""
from __future__ import annotations

import hashlib
from datetime import date, time
from typing import Any, Literal

from pydantic import BaseModel, Field

from .envelope import Event, register, register_upcaster

RecipientKind = Literal["national_panel", "ofsted", "secretary_of_state", "agency", "referrer", "family"]


@register
class CaseOpened(Event):
    """A referral was accepted and opened a case (children's or adults' pathway)."""

    event_type = "referrals.case.opened"
    schema_version = 1

    case_id: str
    case_ref: str
    pathway: Literal["child", "adult"]
    referring_agency: str
    received_on: date
    became_aware_on: date | None = None
    involved_agencies: list[str]
    serious_incident: bool = False
    looked_after_death: bool = False
    rapid_review: bool = False
    # The statutory notices this referral owes now, decided by the referrals service's rules.
    notices_owed: list[RecipientKind] = []
    # The partnership sends the Panel's notice only once the local authority confirms it; the
    # 5-working-day clock runs from awareness either way.
    panel_notice_awaiting_confirmation: bool = False


@register
class MilestoneReached(Event):
    """Something the framework times happened (or was planned) on a case: the scoping template was
    sent to an agency, the rapid review meeting was held, the Panel was notified …

    ``fact`` is one of the timescale rules' ``met_by`` names; ``anchor`` optionally names the date
    this fact starts other clocks from (e.g. ``meeting_held_on``). A second event for the same fact
    with another date moves the clocks that hang on it, with ``reason``.
    """

    event_type = "referrals.case.milestone_reached"
    schema_version = 1

    case_id: str
    fact: str
    on: date
    agency: str | None = None
    anchor: str | None = None
    reason: str | None = None


class _MeetingBooked(Event):
    """The rapid review meeting as booked: what both the scoping request and a re-booking carry."""

    case_id: str
    case_ref: str
    agencies: list[str]
    meeting_on: date
    window_start: date
    window_end: date
    outside_window: bool = False
    # The meeting's start (Europe/London) and its place or online link, when the business unit has
    # booked them; the invitation says "to be confirmed" without them.
    meeting_time: time | None = None
    meeting_place: str | None = None
    # Set only when the meeting lies after the date by which the rapid review should be complete
    # (the clock's rr.complete): that date, so the business unit is warned (a compatible addition).
    complete_by: date | None = None


@register
class ScopingRequested(_MeetingBooked):
    """Initial scoping: the template, letter and records-securing request go to each agency, and the
    rapid review meeting is set (in its window of 7–13 working days, or with a recorded reason)."""

    event_type = "referrals.case.scoping_requested"
    schema_version = 1

    referring_agency: str


def rapid_review_meeting_uid(case_id: str) -> str:
    """The calendar UID of a case's rapid review meeting: the same in every agency's invitation and in
    every calendar feed, so a calendar program shows one event, moved when the meeting is re-booked."""
    return f"{hashlib.sha256(f'rapid-review-meeting|{case_id}'.encode()).hexdigest()[:32]}@safeguard.local"


@register
class MeetingRebooked(_MeetingBooked):
    """The rapid review meeting booked again (another date, time or place) before it is held: every
    agency asked for scoping is invited again to the same calendar event, ``booking`` being its SEQUENCE."""

    event_type = "referrals.case.meeting_rebooked"
    schema_version = 1

    booking: int  # 1 for the first re-booking, and so on (the scoping request's booking is 0)


class RapidReviewAttendance(BaseModel):
    """One person at the rapid review meeting, by agency and role (never a name)."""

    agency: str
    role: str


@register
class RapidReviewDecided(Event):
    """The rapid review meeting's one decision: a CSPR, an alternative learning review, or no review."""

    event_type = "referrals.case.rapid_review_decided"
    schema_version = 1

    case_id: str
    case_ref: str
    referring_agency: str
    agencies: list[str]
    decision: Literal["cspr", "alternative_review", "no_review"]
    decided_on: date
    safety_actions: int
    learning: int
    # Who attended, for the completed rapid review template sent to the Panel (optional: the
    # referrals service fills it from the meeting's attendance, agency and role only).
    attended: list[RapidReviewAttendance] = []


@register
class PanelResponded(Event):
    """The national Panel's response to the rapid review."""

    event_type = "referrals.case.panel_responded"
    schema_version = 1

    case_id: str
    response: Literal["endorsed", "challenged", "accepted_as_completed_review"]


@register
class FinalReportReady(Event):
    """The final report is sent to the Panel and the Secretary of State before publication."""

    event_type = "referrals.case.final_report_ready"
    schema_version = 1

    case_id: str
    case_ref: str
    pathway: Literal["child", "adult"]
    planned_publication_on: date


@register
class ReviewPublished(Event):
    """A review (CSPR or SAR) was published, in full or with the reasons why not."""

    event_type = "referrals.case.review_published"
    schema_version = 1

    case_id: str
    pathway: Literal["child", "adult"]
    published_on: date
    in_full: bool


class Recommendation(BaseModel):
    recommendation_id: str
    text: str
    owning_agency: str


@register
class RecommendationsPublished(Event):
    """A review's recommendations, for the quality-assurance service to turn into action plans."""

    event_type = "referrals.case.recommendations_published"
    schema_version = 1

    case_id: str
    pathway: Literal["child", "adult"]
    recommendations: list[Recommendation]
    case_ref: str | None = None  # optional: the action plan's letters name the case by it


@register
class ReferralReturned(Event):
    """A well-formed but incomplete referral went back to the referrer with the reasons."""

    event_type = "referrals.referral.returned"
    schema_version = 1

    case_id: str
    pathway: Literal["child", "adult"]
    referring_agency: str
    case_ref: str | None = None  # optional: the returned referral's letter names the case by it
    reasons: list[str]


@register
class SarScreened(Event):
    """The business manager and the SAR panel chair screened a SAR referral; the referrer is told."""

    event_type = "referrals.case.sar_screened"
    schema_version = 1

    case_id: str
    case_ref: str
    referring_agency: str
    outcome: Literal["proceed_to_scoping", "not_proceeding"]
    # Which Care Act s44 basis applied: the duty (mandatory), the board's discretion, or neither.
    # Optional (events recorded before it have none); the referrer's letter is worded from it.
    basis: Literal["mandatory", "discretionary", "criteria_not_met"] | None = None
    # The independent chair overrode the mandatory duty (the reason stays in the referrals store).
    mandatory_override: bool | None = None


# What a partnership does instead of a SAR (the detail stays in the referrals store).
OtherStep = Literal["single_agency_review", "multi_agency_learning_review", "learning_event", "case_file_audit",
                    "practice_briefing", "training", "other_statutory_review", "other"]


@register
class SarDecided(Event):
    """Whether a SAR is convened, once the decision is final: the sub-group recommended and the
    independent chair confirmed it or overturned it (published then, not at the recommendation).
    The referrer is told."""

    event_type = "referrals.case.sar_decided"
    schema_version = 1

    case_id: str
    case_ref: str
    referring_agency: str
    convene: bool
    decided_on: date  # the day the sub-group decided (its clock, sar.decision, counts to this)
    # Optional (events recorded before them have none):
    confirmed_by_chair: bool | None = None  # True: the chair confirmed the sub-group; False: overturned it
    chair_reviewed_on: date | None = None
    other_steps: list[OtherStep] | None = None  # what is done instead of a SAR (empty when convened)
    basis: Literal["mandatory", "discretionary", "criteria_not_met"] | None = None
    mandatory_override: bool | None = None  # the chair overrode the Care Act s44 duty


# Why a SAR runs past six months, as a code from a fixed list: the words the business unit wrote stay
# in the referrals store (the case and its history); other services show the code's label.
DelayReason = Literal["criminal_proceedings", "coroners_inquest", "other_review_or_investigation",
                      "awaiting_information", "family_involvement", "reviewer_availability", "other"]

DELAY_REASONS: dict[str, str] = {
    "criminal_proceedings": "parallel criminal proceedings",
    "coroners_inquest": "a coroner's inquest",
    "other_review_or_investigation": "another review or investigation running alongside it",
    "awaiting_information": "information still awaited from the agencies",
    "family_involvement": "time for the adult or the family to take part",
    "reviewer_availability": "the reviewers' availability",
    "other": "another reason (recorded with the case)",
}


def delay_reason_label(code: str) -> str:
    """The plain words for a delay reason code (an unknown code is shown as "another reason")."""
    return DELAY_REASONS.get(code, DELAY_REASONS["other"])


@register
class SarDelayChangedV1(Event):
    """Version 1, kept to read events recorded before version 2: it carried the business unit's own
    words (``reason``), which the upcaster to version 2 drops."""

    event_type = "referrals.case.sar_delay_changed"
    schema_version = 1

    case_id: str
    change: Literal["delayed", "resumed"]
    reason: str


@register
class SarDelayChanged(Event):
    """A SAR will run past six months (delayed: the clock stops), or the delay ended (resumed).
    ``reason_code`` says why, from a fixed list; the reason in words stays with the case."""

    event_type = "referrals.case.sar_delay_changed"
    schema_version = 2

    case_id: str
    change: Literal["delayed", "resumed"]
    reason_code: DelayReason


@register_upcaster(SarDelayChanged.event_type, 1)
def _sar_delay_changed_without_free_text(payload: dict[str, Any]) -> dict[str, Any]:
    # Version 1's free text is dropped, never carried on: a consumer cannot tell a code from it.
    return {"case_id": payload["case_id"], "change": payload["change"], "reason_code": "other"}


class FamilyContact(BaseModel):
    name: str
    relationship: str
    channel: Literal["email", "post"]
    email: str | None = None
    postal_address: str | None = None
    restriction: str | None = None  # what the business unit recorded, e.g. "no contact before 10am"


# The letters the partnership writes to the adult, the family or the advocate.
FamilyLetter = Literal["family_told_of_commission", "delay", "delay_update", "report_shared_with_family"]


@register
class FamilyLetterOwedV1(Event):
    """Version 1, kept so that letters owed before version 2 still go: it carried the contact and the
    business unit's update on the bus (the notifications service writes such a letter from them, as
    before). Version 2 carries neither."""

    event_type = "referrals.case.family_letter_owed"
    schema_version = 1

    case_id: str
    case_ref: str
    letter: FamilyLetter
    recipient: FamilyContact
    reason: str | None = None  # no longer sent: events recorded before reason_code carried the words
    update: str | None = None
    expected_sign_off_on: date | None = None
    reason_code: DelayReason | None = None  # a delay letter's reason (optional: older events have none)


# Whom a family letter is to, as a kind of recipient: the adult, their advocate, or a family member.
FamilyRecipientKind = Literal["adult", "advocate", "family"]


def family_recipient_kind(relationship: str | None) -> FamilyRecipientKind:
    """The recipient kind a letter is listed under, from the relationship the business unit recorded:
    ``adult`` (the person the review is about), ``advocate``, or ``family``."""
    words = (relationship or "").strip().lower()
    if "advocate" in words:
        return "advocate"
    if words in ("adult", "self", "the adult"):
        return "adult"
    return "family"


@register
class FamilyLetterOwed(Event):
    """A letter to the adult, the family or the advocate is owed. Nothing identifying and no free text
    travels: the case, which letter, ``letter_no`` (the letter as the referrals service recorded it,
    with its recipient and its words: the notifications service asks for them at each attempt to send
    it, ``GET /v1/cases/{case_id}/family-letters/{letter_no}``), how the recipient is written to (codes
    only) and the delay's reason code. Only the notifications service consumes it."""

    event_type = "referrals.case.family_letter_owed"
    schema_version = 2

    case_id: str
    case_ref: str
    letter: FamilyLetter
    letter_no: int = Field(ge=1)  # the case's letters are numbered 1, 2, … in the referrals store
    recipient_kind: FamilyRecipientKind
    channel: Literal["email", "post"]  # how the recipient asked to be written to
    restricted: bool  # a restriction on contacting them is recorded (its words stay in the case)
    expected_sign_off_on: date | None = None
    reason_code: DelayReason | None = None  # a delay letter's reason


@register
class FamilyLetterAwaitingContact(Event):
    """A letter to the adult, the family or the advocate is owed, but no family contact is recorded:
    the business unit is told, and the letter goes (``FamilyLetterOwed``) once a contact is recorded.
    Nothing about the family travels: only the case and which letter."""

    event_type = "referrals.case.family_letter_awaiting_contact"
    schema_version = 1

    case_id: str
    case_ref: str
    letter: FamilyLetter
    owed_on: date


@register
class FindingsRecorded(Event):
    """What a review found, what was done, and why anything was not: for the annual report."""

    event_type = "referrals.case.findings_recorded"
    schema_version = 1

    case_id: str
    pathway: Literal["child", "adult"]
    findings: int
    actions_taken: int
    not_implemented_reasons: list[str] = []


@register
class PanelNotificationConfirmed(Event):
    """The local authority confirmed the serious incident notification: it goes to the national Panel."""

    event_type = "referrals.case.panel_notification_confirmed"
    schema_version = 1

    case_id: str
    case_ref: str
    referring_agency: str
    received_on: date
    became_aware_on: date
    involved_agencies: list[str]
