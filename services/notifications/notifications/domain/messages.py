"""Which messages an event owes, to whom, and the key that makes each one happen once. No I/O.

The idempotency key names what, to whom and on which occasion: the same event redelivered any
number of times yields the same keys, so the same messages, once.

Most recipients come from the partnership's directory (the national Panel, Ofsted, the Secretary
of State, the business unit, each agency's safeguarding lead and audit lead). Others travel with
the event that owes the message — a referrer, a family member or an advocate, a trainee and their
manager — as a ``Recipient``, with how they want to be contacted and any restriction the business
unit recorded.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from safeguard_shared.contracts.referrals import family_recipient_kind

# Subject lines never carry a name, a reference or a date of birth: they are constants, and short
# enough (68 characters) that no mail program folds them.
SUBJECTS = {
    "serious_incident_notification": "Serious incident notification from the safeguarding partnership",
    "looked_after_child_death_notice": "Notification of the death of a looked-after child or care leaver",
    "scoping_request": "Rapid review: scoping, information sharing and securing records",
    "meeting_invitation": "Invitation to a rapid review meeting",
    "rapid_review_after_completion_date": "A rapid review meeting is booked after the rapid review is due",
    "rapid_review_outcome_to_panel": "Rapid review outcome from the safeguarding partnership",
    "rapid_review_outcome": "Outcome of the rapid review you contributed to",
    "final_report_to_panel": "Child safeguarding practice review: final report before publication",
    "deadline_reminder": "Reminder: a safeguarding review deadline is due soon",
    "deadline_overdue": "Overdue: a safeguarding review deadline has passed",
    "referral_returned": "Your safeguarding referral was returned: more information is needed",
    "sar_screening_outcome": "Safeguarding adult review referral: the screening outcome",
    "sar_decision_outcome": "Safeguarding adult review referral: the decision after scoping",
    "family_letter_awaiting_contact": "A letter to a family is owed: no family contact is recorded",
    "sar_family_told": "A safeguarding adult review is being commissioned",
    "sar_delay_letter": "Safeguarding adult review: why it will take longer than six months",
    "sar_delay_update": "Safeguarding adult review: an update on its progress",
    "sar_report_shared_with_family": "Safeguarding adult review: the report, before it is published",
    "macfa_audit_template": "Multi-agency case file audit: the audit template for your agency",
    "macfa_programme": "Multi-agency case file audit: the programme and your times",
    "immediate_concern_escalation": "Immediate safeguarding concern found in a case file audit: act today",
    "training_follow_up_survey": "Safeguarding training: a follow-up survey three months on",
    "training_manager_survey": "Safeguarding training: its impact on your team",
    "notification_failed": "A message from the safeguarding partnership could not be delivered",
}

# Letters to families, adults and advocates: each is also rendered as a PDF, to print and post.
LETTERS = frozenset({"sar_family_told", "sar_delay_letter", "sar_delay_update", "sar_report_shared_with_family"})

# Documents rendered from the same facts and attached to a message: template -> (document, file name).
ATTACHED_DOCUMENTS = {
    "rapid_review_outcome_to_panel": ("rapid_review_template", "rapid-review-template.pdf"),
}

# A letter that cannot go straight to its recipient by e-mail goes to the business unit instead,
# with the letter attached: to post, or to check against the restriction recorded first.
ROUTED_SUBJECTS = {
    "post": "A letter from the safeguarding partnership to print and post",
    "held": "A letter held for the business unit: a contact restriction applies",
}

Route = Literal["email", "post", "held"]

SCREENING_OUTCOMES = {
    "proceed_to_scoping": "the referral meets the criteria for a safeguarding adult review (Care Act 2014 "
                          "section 44) and goes forward to scoping: each agency involved will be asked for "
                          "its scoping return",
    "discretionary_review": "the referral does not meet the statutory criteria, but the board will consider "
                            "a discretionary review; scoping goes ahead",
    "not_proceeding": "the referral does not go forward to a safeguarding adult review; the learning it "
                      "raises will be taken forward in another way",
    "criteria_not_met": "the referral does not meet the criteria for a safeguarding adult review; the learning "
                        "it raises will be taken forward in another way",
}


# Which Care Act 2014 s44 basis a SAR decision rests on (referrals.case.sar_screened / sar_decided ``basis``).
BASES = {
    "mandatory": "the referral meets the criteria in section 44(1) to (3) of the Care Act 2014, under which the "
                 "safeguarding adults board must arrange a safeguarding adult review (the mandatory duty)",
    "discretionary": "the referral does not meet the criteria under which a review is required, but the board "
                     "may arrange one at its discretion (section 44(4) of the Care Act 2014)",
    "criteria_not_met": "the referral does not meet the criteria for a safeguarding adult review in section 44 "
                        "of the Care Act 2014",
}
MANDATORY_OVERRIDE = ("The independent chair decided, exceptionally, not to arrange a review under the mandatory "
                      "duty, and recorded the reasons.")

# What a partnership does instead of a SAR (referrals.case.sar_decided ``other_steps``), in words.
OTHER_STEPS = {
    "single_agency_review": "a single-agency review",
    "multi_agency_learning_review": "a multi-agency learning review",
    "learning_event": "a learning event for the practitioners involved",
    "case_file_audit": "a multi-agency case file audit",
    "practice_briefing": "a practice briefing",
    "training": "training for the staff involved",
    "other_statutory_review": "another statutory review (for example a domestic homicide review)",
    "other": "other action, recorded with the case",
}


def the_chairs_review(convene: bool, confirmed_by_chair: bool | None) -> str:
    """What the independent chair did with the sub-group's recommendation, in words."""
    if confirmed_by_chair is None:  # events recorded before the chair's review was carried
        return "reviewed the outcome"
    if confirmed_by_chair:
        return "agreed the review, which commissions it" if convene else "confirmed the recommendation"
    return ("overturned the recommendation and agreed a review" if convene else
            "overturned the recommendation to hold a review")


@dataclass(frozen=True)
class Recipient:
    """Someone the directory does not know, named by the event that owes them a message.

    ``contact_id`` is the id the owning service gives this contact; it keeps two family members'
    letters apart in the idempotency key. ``restriction`` is what the business unit recorded about
    contacting them (e.g. "through the advocate only"): a restricted contact is never written to
    directly; the letter goes to the business unit to check first.
    """

    name: str
    email: str | None = None
    postal_address: tuple[str, ...] = ()
    contact_method: Literal["email", "post"] = "email"
    restriction: str | None = None
    contact_id: str | None = None
    # "adult" (the person the review is about), "advocate", or a family relationship ("daughter").
    relationship: str | None = None

    @property
    def key(self) -> str:
        return self.contact_id or self.email or "|".join((self.name, *self.postal_address))


@dataclass(frozen=True)
class MessageOwed:
    recipient_kind: str
    template: str
    occasion: str  # e.g. "case:<case_id>", "deadline:<id>:missed"
    agency: str | None = None
    # What the template needs beyond what queueing adds (partnership, recipient_name, agency).
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # An explicit recipient, carried by the event; else the directory's for the kind and agency.
    to: Recipient | None = None
    # A training survey's message: its recipient is the audits service's, asked for when it is sent.
    survey_id: str | None = None
    # A letter to the family the referrals service gives (recipient and words) when it is sent: its number.
    letter_no: int | None = None

    @property
    def idempotency_key(self) -> str:
        raw = f"{self.template}|{self.recipient_kind}|{self.agency or ''}|{self.occasion}"
        if self.to is not None:
            raw += f"|{self.to.key}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def subject(self) -> str:
        return SUBJECTS[self.template]

    @property
    def is_letter(self) -> bool:
        return self.template in LETTERS

    @property
    def route(self) -> Route:
        return route_for(self.to)

    @property
    def delivered_subject(self) -> str:
        route = self.route
        return self.subject if route == "email" else ROUTED_SUBJECTS[route]


def route_for(to: Recipient | None) -> Route:
    """E-mail straight to the recipient, unless a restriction is recorded (held for the business unit)
    or they are to be written to by post, or have no e-mail address (the business unit posts it)."""
    if to is None:
        return "email"
    if to.restriction:
        return "held"
    if to.contact_method == "post" or not to.email:
        return "post"
    return "email"


# --- children: serious incident, rapid review, CSPR ------------------------------------------------

def when_case_opened_send_statutory_notices(case_id: str, notices_owed: list[str]) -> list[MessageOwed]:
    occasion = f"case:{case_id}"
    owed = []
    for kind in notices_owed:
        if kind == "national_panel":
            owed.append(MessageOwed("national_panel", "serious_incident_notification", occasion))
        elif kind in ("secretary_of_state", "ofsted"):
            owed.append(MessageOwed(kind, "looked_after_child_death_notice", occasion))
    return owed


def when_the_local_authority_confirms_notify_the_panel(case_id: str) -> list[MessageOwed]:
    """Where the partnership holds the Panel's notice for the local authority's confirmation, the
    confirmation owes it: the same message, with the same key, as an unheld CaseOpened would."""
    return when_case_opened_send_statutory_notices(case_id, ["national_panel"])


def when_scoping_requested_write_to_each_agency(case_id: str, agencies: list[str]) -> list[MessageOwed]:
    """The scoping template, the covering letter and the request to secure records, and the meeting
    invitation with the document list, to every involved agency."""
    occasion = f"case:{case_id}"
    owed = []
    for agency in agencies:
        owed.append(MessageOwed("agency", "scoping_request", occasion, agency))
        owed.append(MessageOwed("agency", "meeting_invitation", occasion, agency))
    return owed


def when_the_meeting_is_rebooked_invite_each_agency_again(case_id: str, agencies: list[str],
                                                         booking: int) -> list[MessageOwed]:
    """The meeting moved before it was held: each agency asked for scoping is invited again (once per
    booking)."""
    occasion = f"case:{case_id}:booking:{booking}"
    return [MessageOwed("agency", "meeting_invitation", occasion, agency) for agency in agencies]


def when_the_meeting_is_after_the_completion_date_warn_the_business_unit(
        case_id: str, complete_by: date | None, booking: int = 0) -> list[MessageOwed]:
    """A rapid review meeting booked after the date by which the review should be complete (the
    clock's rr.complete, which the referrals service names only then): the business unit is told,
    once per booking."""
    if complete_by is None:
        return []
    occasion = f"case:{case_id}" + (f":booking:{booking}" if booking else "")
    return [MessageOwed("business_unit", "rapid_review_after_completion_date", occasion)]


def when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
        case_id: str, referring_agency: str, agencies: list[str], referrer: Recipient | None = None,
) -> list[MessageOwed]:
    """The completed rapid review template (attached as a PDF) and a covering letter to the Panel;
    the outcome to the referrer (the person, when the event names them) and to every agency."""
    occasion = f"case:{case_id}"
    owed = [MessageOwed("national_panel", "rapid_review_outcome_to_panel", occasion),
            MessageOwed("referrer", "rapid_review_outcome", occasion, referring_agency, to=referrer)]
    owed += [MessageOwed("agency", "rapid_review_outcome", occasion, a) for a in agencies if a != referring_agency]
    return owed


def when_final_report_ready_send_it_to_the_panel_and_the_secretary_of_state(case_id: str) -> list[MessageOwed]:
    occasion = f"case:{case_id}"
    return [MessageOwed("national_panel", "final_report_to_panel", occasion),
            MessageOwed("secretary_of_state", "final_report_to_panel", occasion)]


def when_a_deadline_nears_or_passes_tell_whoever_must_act(
        deadline_id: str, transition: str, who_agency: str | None, escalation: int = 0) -> list[MessageOwed]:
    """Reminders and escalations go to the agency that must act, else to the business unit."""
    template = "deadline_reminder" if transition == "due_soon" else "deadline_overdue"
    occasion = f"deadline:{deadline_id}:{transition}:{escalation}"
    if who_agency and who_agency not in ("safeguarding_partners", "each_involved_agency"):
        return [MessageOwed("agency", template, occasion, who_agency)]
    return [MessageOwed("business_unit", template, occasion)]


# --- adults: safeguarding adult review (SAR) -------------------------------------------------------

def when_a_referral_is_returned_send_it_back_with_the_reasons(
        case_id: str, pathway: str, referring_agency: str, reasons: list[str], returned: str,
        referrer: Recipient | None = None) -> list[MessageOwed]:
    """An incomplete referral goes back to whoever sent it, saying what is missing (a recorded
    outcome, not an error). ``returned`` names this return: a referral resubmitted and returned
    again owes a second letter."""
    if not reasons:
        raise ValueError("a returned referral says why: give at least one reason")
    return [MessageOwed("referrer", "referral_returned", f"case:{case_id}:returned:{returned}", referring_agency,
                        context={"pathway": pathway, "reasons": list(reasons)}, to=referrer)]


def when_a_sar_referral_is_screened_tell_the_referrer(
        case_id: str, case_ref: str, referring_agency: str, outcome: str, screened_on: date,
        rationale: str | None = None, referrer: Recipient | None = None, basis: str | None = None,
        mandatory_override: bool | None = None) -> list[MessageOwed]:
    """The business manager and the SAR panel chair screened the referral: the referrer hears the outcome
    and which Care Act s44 basis applied (mandatory, discretionary, criteria not met)."""
    if outcome not in SCREENING_OUTCOMES:
        raise ValueError(f"unknown screening outcome {outcome!r}")
    # The outcome in words agrees with the basis: going forward on the board's discretion is not
    # "meets the criteria", and not going forward may be for want of them.
    said = {("proceed_to_scoping", "discretionary"): "discretionary_review",
            ("not_proceeding", "criteria_not_met"): "criteria_not_met"}.get((outcome, basis or ""), outcome)
    return [MessageOwed("referrer", "sar_screening_outcome", f"case:{case_id}:screening", referring_agency,
                        context={"case_ref": case_ref, "outcome": outcome, "outcome_text": SCREENING_OUTCOMES[said],
                                 "screened_on": screened_on.isoformat(), "rationale": rationale,
                                 "basis_text": BASES.get(basis or ""),
                                 "override_text": MANDATORY_OVERRIDE if mandatory_override else None},
                        to=referrer)]


def when_a_sar_is_decided_tell_the_referrer(
        case_id: str, case_ref: str, referring_agency: str, *, convene: bool, decided_on: date,
        confirmed_by_chair: bool | None, chair_reviewed_on: date | None, other_steps: list[str],
        basis: str | None, mandatory_override: bool | None) -> list[MessageOwed]:
    """The decision after scoping is final (the sub-group recommended, the independent chair confirmed or
    overturned it): the referrer hears the outcome either way, the basis, and what is done instead."""
    return [MessageOwed("referrer", "sar_decision_outcome", f"case:{case_id}:sar_decision", referring_agency,
                        context={"case_ref": case_ref, "convene": convene, "decided_on": decided_on.isoformat(),
                                 "chair_text": the_chairs_review(convene, confirmed_by_chair),
                                 "chair_reviewed_on": chair_reviewed_on.isoformat() if chair_reviewed_on else None,
                                 "other_steps": [OTHER_STEPS.get(step, OTHER_STEPS["other"])
                                                 for step in other_steps],
                                 "basis_text": BASES.get(basis or ""),
                                 "override_text": MANDATORY_OVERRIDE if mandatory_override else None})]


def when_a_family_letter_waits_for_a_contact_tell_the_business_unit(
        case_id: str, case_ref: str, letter: str, owed_on: date, owed: str) -> list[MessageOwed]:
    """A letter to the adult, the family or the advocate is owed while no contact is recorded: the
    business unit hears that it is owed and how to send it (record the contact). ``owed`` names this
    occasion (the event), so a second letter waiting is a second notice."""
    template = FAMILY_LETTERS.get(letter)
    if template is None:
        raise ValueError(f"unknown letter {letter!r}")
    return [MessageOwed("business_unit", "family_letter_awaiting_contact", f"case:{case_id}:awaiting:{owed}",
                        context={"case_ref": case_ref, "letter_subject": SUBJECTS[template],
                                 "owed_on": owed_on.isoformat()})]


# The letters the referrals service asks for (referrals.case.family_letter_owed ``letter``).
FAMILY_LETTERS = {
    "family_told_of_commission": "sar_family_told",
    "delay": "sar_delay_letter",
    "delay_update": "sar_delay_update",
    "report_shared_with_family": "sar_report_shared_with_family",
}


def _letter_context(case_ref: str | None, reason: str | None, update: str | None,
                    expected_by: date | None) -> dict[str, Any]:
    return {"case_ref": case_ref, "reason": reason, "update": update,
            "expected_by": expected_by.isoformat() if expected_by else None,
            "agreed_on": None, "signed_off_on": None, "in_full": None, "planned_publication_on": None,
            "adult_name": None}


def when_a_letter_to_the_family_is_owed_write_it(
        case_id: str, letter: str, recipient: Recipient, *, case_ref: str | None = None,
        reason: str | None = None, update: str | None = None, expected_by: date | None = None,
) -> list[MessageOwed]:
    """A letter to the adult, a family member or an advocate, owed by an event that carried the
    recipient and the words (version 1 of ``family_letter_owed``): the family told a SAR is
    commissioned; why the SAR will run past six months, and each update while it does; the report
    shared before publication. Each is also a PDF, to post.

    The commission and report letters go once per case and recipient. A delay letter is keyed by
    what it says, so a second delay (after a resumption) or a new update is a new letter, while the
    same one asked for twice is one.
    """
    template = _family_template(letter)
    occasion = f"case:{case_id}"
    if letter in ("delay", "delay_update"):
        said = "|".join((reason or "", update or "", expected_by.isoformat() if expected_by else ""))
        occasion += f":{letter}:{hashlib.sha256(said.encode()).hexdigest()[:16]}"
    return [MessageOwed(kind_of(recipient), template, occasion, context=_letter_context(case_ref, reason, update,
                                                                                         expected_by), to=recipient)]


def _family_template(letter: str) -> str:
    template = FAMILY_LETTERS.get(letter)
    if template is None:
        raise ValueError(f"unknown letter {letter!r}")
    return template


def kind_of(recipient: Recipient) -> str:
    """The recipient kind a letter is listed under: ``adult`` (the person the review is about),
    ``advocate``, or ``family`` (the referrals service's own rule, shared)."""
    return family_recipient_kind(recipient.relationship)


# --- letters to the family, given by the referrals service when they are sent ------------------------

# Whom a letter is to and the business unit's words in it are the referrals service's: they never travel
# on the bus (version 2 of ``family_letter_owed`` names the letter by its number) nor are stored here.
# The letter is stored with these markers — in its body, in the business unit's covering note for a
# letter to post or to check, in the letter's own text its PDF is made from — and the dispatcher asks
# the referrals service for what replaces them at each attempt (README, "Letters to the family").
LETTER_NAME = "[the recipient's name: added when this letter is sent]"
LETTER_EMAIL = "[the recipient's e-mail address: added when this letter is sent]"
LETTER_ADDRESS = "[the postal address: added when this letter is sent]"
LETTER_RESTRICTION = "[the restriction recorded: added when this letter is sent]"
LETTER_UPDATE = "[the update: added when this letter is sent]"
# The covering note indents each line of a postal address by two spaces (letter_for_business_unit).
ADDRESS_INDENT = "  "


def to_be_given_when_sent(letter_no: int, channel: Literal["email", "post"], restricted: bool) -> Recipient:
    """The recipient of a letter the referrals service gives when it is sent: markers where their details
    go, and how they are written to (so the route is known when the letter is queued)."""
    return Recipient(name=LETTER_NAME, email=LETTER_EMAIL if channel == "email" else None,
                     postal_address=(LETTER_ADDRESS,) if channel == "post" else (), contact_method=channel,
                     restriction=LETTER_RESTRICTION if restricted else None, contact_id=f"letter:{letter_no}")


def when_a_letter_to_the_family_is_owed_ask_for_it_when_sent(
        case_id: str, letter: str, letter_no: int, recipient_kind: str, channel: Literal["email", "post"],
        restricted: bool, *, case_ref: str | None = None, reason: str | None = None,
        expected_by: date | None = None) -> list[MessageOwed]:
    """A letter the referrals service recorded under ``letter_no`` (version 2 of ``family_letter_owed``):
    the same letter as one whose event carried the recipient and the words, with markers in their place.
    Each number is one letter, so the event redelivered is one message."""
    template = _family_template(letter)
    update = LETTER_UPDATE if letter == "delay_update" else None  # only an update letter carries words
    return [MessageOwed(recipient_kind, template, f"case:{case_id}:letter:{letter_no}",
                        context=_letter_context(case_ref, reason, update, expected_by),
                        to=to_be_given_when_sent(letter_no, channel, restricted), letter_no=letter_no)]


def with_family_letter_content(text: str, recipient: Recipient, update: str | None) -> str:
    """The stored text with the referrals service's recipient and words in place of the markers (the same
    answer gives the same bytes on every attempt)."""
    return (text.replace(LETTER_NAME, recipient.name).replace(LETTER_EMAIL, recipient.email or "")
            .replace(LETTER_ADDRESS, f"\n{ADDRESS_INDENT}".join(recipient.postal_address))
            .replace(LETTER_RESTRICTION, recipient.restriction or "").replace(LETTER_UPDATE, update or ""))


# --- multi-agency case file audits (MACFA) ---------------------------------------------------------

def when_the_audit_template_is_due_send_it_to_each_agency_audit_lead(
        audit_id: str, theme: str, audit_on: date, return_by: date, cases_by_agency: dict[str, list[str]],
) -> list[MessageOwed]:
    """The same questions to every involved agency's audit lead, with the sampled cases it holds."""
    owed = []
    for agency, cases in sorted(cases_by_agency.items()):
        owed.append(MessageOwed("audit_lead", "macfa_audit_template", f"audit:{audit_id}", agency, context={
            "theme": theme, "audit_on": audit_on.isoformat(), "return_by": return_by.isoformat(),
            "cases": list(cases)}))
    return owed


@dataclass(frozen=True)
class Invitee:
    """Someone invited to the audit day, with the times they are needed."""

    agency: str
    times: tuple[str, ...]
    to: Recipient | None = None  # else the agency's audit lead


def when_the_audit_programme_is_due_send_it_to_each_invitee(
        audit_id: str, theme: str, audit_on: date, venue: str, programme: list[tuple[str, str]],
        invitees: list[Invitee]) -> list[MessageOwed]:
    """The whole programme, and each invitee's own times, a week before the audit."""
    items = [{"time": t, "item": what} for t, what in programme]
    return [MessageOwed("audit_lead" if i.to is None else "invitee", "macfa_programme", f"audit:{audit_id}", i.agency,
                        context={"theme": theme, "audit_on": audit_on.isoformat(), "venue": venue,
                                 "programme": items, "your_times": list(i.times)}, to=i.to)
            for i in invitees]


def when_an_immediate_concern_is_found_escalate_it(
        audit_id: str, concern_id: str, agency: str, case_reference: str, found_on: date, theme: str,
) -> list[MessageOwed]:
    """Escalated at once: to the business unit and to the safeguarding lead of the agency concerned."""
    occasion = f"concern:{concern_id}"
    context = {"theme": theme, "case_reference": case_reference, "found_on": found_on.isoformat(),
               "concern_agency": agency, "audit_id": audit_id}
    return [MessageOwed("business_unit", "immediate_concern_escalation", occasion, context=context),
            MessageOwed("agency", "immediate_concern_escalation", occasion, agency, context=context)]


# --- training impact -------------------------------------------------------------------------------

# A training survey's recipient, link and (for a manager) the trainee's staff number are the audits
# service's: they never travel on the bus nor are stored here. The message is stored with these
# markers, and the dispatcher asks the audits service for what replaces them at each attempt
# (README, "Training surveys").
SURVEY_LINK = "[the survey link: added when this message is sent]"
SURVEY_LINK_LAST_DAY = "[the link's last day: added when this message is sent]"
SURVEY_TRAINEE = "[the staff number: added when this message is sent]"
SURVEY_TEMPLATES = {"follow_up": "training_follow_up_survey", "manager": "training_manager_survey"}


def when_a_training_survey_is_due_write_to_its_recipient(
        survey_id: str, survey: str, recipient: str, agency: str, course: str, completed_on: date,
) -> list[MessageOwed]:
    """The follow-up survey to the trainee, or the team-impact survey to their manager, once per survey."""
    template = SURVEY_TEMPLATES.get(survey)
    if template is None:
        raise ValueError(f"unknown survey {survey!r}")
    return [MessageOwed(recipient, template, f"survey:{survey_id}", agency, survey_id=survey_id, context={
        "course": course, "completed_on": completed_on.isoformat(), "survey_url": SURVEY_LINK,
        "link_last_day": SURVEY_LINK_LAST_DAY, "trainee": SURVEY_TRAINEE})]


def with_survey_details(body: str, *, survey_url: str, link_last_day: str, trainee: str | None) -> str:
    """The stored body with the audits service's details in place of the markers (the same details give
    the same bytes on every attempt)."""
    return (body.replace(SURVEY_LINK, survey_url).replace(SURVEY_LINK_LAST_DAY, link_last_day)
            .replace(SURVEY_TRAINEE, trainee or "not given"))


# --- the completed rapid review template --------------------------------------------------------

# The rapid review's free text (the rationale, the immediate safety actions, the learning) is the
# referrals service's: it never travels on the bus nor is stored here. The Panel's message (and the
# template's source for its PDF) is stored with these markers, and the dispatcher asks the referrals
# service for what replaces them at each attempt (README, "The completed rapid review template").
RR_RATIONALE = "[the rationale: added when this message is sent]"
RR_SAFETY_ACTIONS = "[the immediate safety actions: added when this message is sent]"
RR_LEARNING = "[the learning identified: added when this message is sent]"
RR_CONTENT = {"rationale": RR_RATIONALE, "safety_actions": RR_SAFETY_ACTIONS, "learning": RR_LEARNING}
# Messages whose content the referrals service gives when they are sent.
FILLED_FROM_REFERRALS = frozenset({"rapid_review_outcome_to_panel"})


def _indented(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(f"   {line}" if line else "" for line in lines) or "   None recorded."


def _numbered(items: list[str]) -> str:
    items = [i for i in (item.strip() for item in items) if i]
    if not items:
        return "   None recorded."
    return "\n".join(f"   {n}. " + "\n      ".join(item.splitlines()) for n, item in enumerate(items, 1))


def with_rapid_review_content(text: str, *, rationale: str, safety_actions: list[str], learning: list[str]) -> str:
    """The stored text with the referrals service's content in place of the markers (the same content
    gives the same bytes on every attempt)."""
    return (text.replace(RR_RATIONALE, _indented(rationale)).replace(RR_SAFETY_ACTIONS, _numbered(safety_actions))
            .replace(RR_LEARNING, _numbered(learning)))


# --- the service's own alerts ----------------------------------------------------------------------

def when_a_message_fails_alert_the_business_unit(
        notification_id: str, template: str, recipient_kind: str, agency: str | None, reason: str,
        detail: str | None, attempts: int, queued_at: str, occasion: str | None) -> list[MessageOwed]:
    """The business unit hears of every message given up, so someone sends it another way. An alert
    that fails itself raises no alert of its own (the event and the listing still show it)."""
    if template == "notification_failed":
        return []
    return [MessageOwed("business_unit", "notification_failed", f"failed:{notification_id}", context={
        "failed_notification_id": notification_id, "failed_template": template,
        "failed_subject": SUBJECTS.get(template, template), "failed_recipient_kind": recipient_kind,
        "failed_agency": agency, "reason": reason, "detail": detail, "attempts": attempts,
        "queued_at": queued_at, "occasion": occasion})]
