"""The business unit's step forms for a safeguarding adult review once the independent chair has
agreed it (which commissions it): the family told, the reviewers, the initial scoping meeting, the
agencies' IMRs asked for, the monthly panel meetings, the draft, the committee, the board's
sign-off, the report shared with the family, publication, the learning event and the findings for
the annual report; and, while the SAR runs past six months, its delay.

Each is one ``POST /v1/cases/{id}/sar/…`` whose body's JSON paths are the fields' names. The
referrals service keeps the order (a step out of order is its 409, shown on the form); the page
offers each step when the case's status and history say it can come next.
"""
from __future__ import annotations

from safeguard_shared.contracts.referrals import DELAY_REASONS

from .referral_form import AGENCY_OPTIONS, Field
from .step import Step
from .words import OTHER_STEP_NAMES

OTHER_STEPS = tuple(OTHER_STEP_NAMES.items())
DELAY_REASON_OPTIONS = tuple((code, label[:1].upper() + label[1:]) for code, label in DELAY_REASONS.items())
RUNNING = ("commissioned",)  # from the commission to the board's sign-off
SIGNED_OFF = ("signed_off",)


def _on(label: str, missing: str, path: str = "on") -> Field:
    return Field(path, label, "date", missing, hint="Record it once it has happened, for example 21 12 2026.")


def _text(path: str, label: str, missing: str, hint: str | None = None) -> Field:
    return Field(path, label, "textarea", missing, hint=hint)


def _sar(slug: str, api_path: str, title: str, button: str, statuses: tuple[str, ...], fields: tuple[Field, ...],
         done: str, action: str, *, requires: tuple[str, ...] = (), once: bool = True,
         while_delayed: bool | None = None) -> Step:
    return Step(f"sar-{slug}", f"sar/{api_path}", title, button, statuses, fields, done, action=action,
                requires=requires, once=once, pathway="adult", while_delayed=while_delayed)


FAMILY_CONTACT = _sar(
    "family-contact", "family-contact", "Record who the partnership writes to about the SAR", "Record the contact",
    RUNNING + SIGNED_OFF,
    (Field("name", "Their name", "text", "Enter the name of the person the partnership writes to"),
     Field("relationship", "Who they are to the adult", "text", "Enter who they are to the adult",
           hint="For example, the adult, their son, their advocate."),
     Field("channel", "How the partnership writes to them", "choice", "Select how the partnership writes to them",
           options=(("email", "By email"), ("post", "By post"))),
     Field("email", "Email address (if by email)", "text", "", required=False),
     Field("postal_address", "Postal address (if by post)", "textarea", "", required=False),
     Field("restriction", "Anything the partnership must not do when writing (optional)", "textarea", "",
           hint="A restricted contact is never written to automatically.", required=False)),
    "Contact recorded: the letters owed to them are sent", "family_contact_recorded", once=False)

FAMILY_NOTIFIED = _sar(
    "family-notified", "family-notified", "Record that the family was told a SAR is commissioned",
    "Record it", RUNNING,
    (_on("Date the family was told", "Enter the date the family was told", "notified_on"),
     Field("by", "Who told them", "text", "Enter who told the family",
           hint="The independent chair, or the senior professional they nominated."),
     Field("method", "How they were told", "text", "Enter how the family was told",
           hint="For example, a visit, a telephone call or a letter.")),
    "The family's notification recorded", "family_notified")

REVIEWERS = _sar(
    "reviewers", "reviewers", "Commission the SAR's reviewers", "Commission the reviewers", RUNNING,
    (Field("reviewers", "Reviewers", "lines", "Enter at least one reviewer",
           hint="One name a line, as they sign in: each then works on this review."),
     _on("Date they were commissioned", "Enter the date the reviewers were commissioned", "commissioned_on")),
    "Reviewers commissioned", "reviewers_commissioned")

INITIAL_MEETING = _sar(
    "initial-meeting", "initial-meeting", "Record the initial scoping meeting of the reviewers and the SAR panel",
    "Record the meeting", RUNNING,
    (_on("Date the meeting was held", "Enter the date the meeting was held"),),
    "Initial scoping meeting recorded", "initial_meeting_held", requires=("reviewers_commissioned",))

IMR_REQUESTS = _sar(
    "imr-requests", "imr-requests", "Ask agencies for individual management reviews (IMRs)", "Ask for the IMRs",
    RUNNING,
    (Field("agencies", "Which agencies write an IMR?", "agencies", "Select at least one agency",
           hint="Each IMR is written by a manager independent of the case.", options=AGENCY_OPTIONS),),
    "IMRs asked for", "imrs_requested", once=False)

PANEL_MEETING = _sar(
    "panel-meeting", "panel-meetings", "Record a SAR panel meeting", "Record the meeting", RUNNING,
    (_on("Date the panel met", "Enter the date the panel met", "held_on"),
     _text("progress", "Progress of the review", "Enter the review's progress"),
     _text("immediate_risks", "Immediate risks identified", "Enter the immediate risks, or none"),
     _text("learning_to_share", "Learning to share now", "Enter the learning to share, or none"),
     _text("guidance_to_reviewer", "Guidance to the reviewers", "Enter the guidance to the reviewers, or none"),
     _text("drafts_reviewed", "Drafts reviewed", "Enter the drafts reviewed, or none"),
     _text("communications", "Communications", "Enter the communications agreed, or none")),
    "Panel meeting recorded", "panel_meeting_held", once=False)

DRAFT_REPORT = _sar(
    "draft-report", "draft-report", "Record that the draft report went to the SAR panel", "Record it", RUNNING,
    (_on("Date the draft was presented", "Enter the date the draft was presented"),),
    "Draft report's presentation recorded", "draft_report_presented")

COMMITTEE = _sar(
    "committee", "committee", "Record the report's presentation to the SAR committee", "Record it", RUNNING,
    (_on("Date it was presented", "Enter the date the report was presented to the committee"),),
    "Presentation to the committee recorded", "committee_presentation_held", requires=("draft_report_presented",))

SIGN_OFF = _sar(
    "sign-off", "sign-off", "Record the board's sign-off of the report", "Record the sign-off", RUNNING,
    (_on("Date the board signed it off", "Enter the date the board signed the report off", "signed_off_on"),
     Field("publish", "What did the board decide to publish?", "choice", "Select what the board decided to publish",
           options=(("full", "The full report"), ("summary", "A summary")))),
    "The board's sign-off recorded", "signed_off", requires=("committee_presentation_held",))

SHARED_WITH_FAMILY = _sar(
    "shared-with-family", "shared-with-family", "Record that the report was shared with the family", "Record it",
    SIGNED_OFF, (_on("Date it was shared", "Enter the date the report was shared with the family"),),
    "Sharing with the family recorded", "report_shared_with_family")

PUBLICATION = _sar(
    "publication", "publication", "Record the SAR's publication", "Record publication", SIGNED_OFF,
    (_on("Date it was published", "Enter the date it was published", "published_on"),
     Field("recommendations", "Its recommendations (optional)", "rows", "",
           hint="Each becomes an action for the agency that owns it.", required=False,
           parts=(("text", "what is recommended", "long"), ("owning_agency", "agency that owns it", "agency")),
           item="Recommendation", rows=4)),
    "Publication recorded", "sar_published")

LEARNING_EVENT = _sar(
    "learning-event", "learning-event", "Record the SAR's learning event", "Record the learning event",
    ("published",), (_on("Date it was held", "Enter the date the learning event was held"),),
    "Learning event recorded", "learning_event_held")

FINDINGS = _sar(
    "findings", "findings", "Record the SAR's findings for the annual report", "Record the findings",
    ("signed_off", "published", "learning_event_held"),
    (Field("findings", "Findings", "lines", "Enter at least one finding", hint="One a line."),
     Field("actions_taken", "Actions taken (optional)", "lines", "", hint="One a line.", required=False),
     Field("not_implemented", "Recommendations not implemented (optional)", "rows", "",
           hint="The annual report gives the reason for each.", required=False,
           parts=(("recommendation", "recommendation", "long"), ("reason", "why not", "long")),
           item="Recommendation", rows=3)),
    "Findings recorded", "findings_recorded")

DELAY = _sar(
    "delay", "delay", "Record that the SAR will run past six months", "Record the delay", RUNNING,
    (Field("reason_code", "Why is it delayed?", "choice", "Select why the SAR is delayed",
           options=DELAY_REASON_OPTIONS),
     _text("reason", "In your words", "Enter why the SAR is delayed",
           hint="Kept with the case: the letter to the adult or their advocate gives the reason chosen above."),
     Field("expected_sign_off_on", "When you now expect the board's sign-off (optional)", "date", "",
           required=False)),
    "Delay recorded: the adult or their advocate is told in writing, and the SAR's clock stops", "sar_delayed",
    once=False, while_delayed=False)

DELAY_UPDATE = _sar(
    "delay-update", "delay/updates", "Send the adult or their advocate an update on the delay", "Send the update",
    RUNNING, (_text("update", "The update", "Enter the update"),),
    "Update sent", "delay_update_sent", once=False, while_delayed=True)

RESUME = _sar(
    "resume", "delay/resume", "Record that the delay is over", "Restart the SAR's clock", RUNNING, (),
    "The delay is over: the SAR's clock runs again", "sar_resumed", once=False, while_delayed=True)

SAR_REVIEW_STEPS = (FAMILY_CONTACT, FAMILY_NOTIFIED, REVIEWERS, INITIAL_MEETING, IMR_REQUESTS, PANEL_MEETING,
                    DRAFT_REPORT, COMMITTEE, SIGN_OFF, SHARED_WITH_FAMILY, PUBLICATION, LEARNING_EVENT, FINDINGS,
                    DELAY, DELAY_UPDATE, RESUME)
