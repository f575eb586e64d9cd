"""The step forms of both pathways up to a SAR's commission, one per ``POST /v1/cases/{id}/…``.

Each form's field names are its request body's JSON paths, so the API's 422 lands on the field. A
step is offered while the case's status is one it can follow; the API still decides (a step out of
order is its 409, shown as its own words at the top of the form).
"""
from __future__ import annotations

from .referral_form import AGENCY_OPTIONS, ATTENDEE_PARTS, YES_NO, Field
from .sar_steps import OTHER_STEPS, SAR_REVIEW_STEPS
from .step import BUSINESS_UNIT, CHAIR, Step

__all__ = ["BUSINESS_UNIT", "CHAIR", "STEPS", "Step", "next_steps"]

SCOPING = Step(
    "scoping", "scoping", "Request scoping and book the rapid review meeting", "Send the scoping request",
    ("rapid_review",),
    (Field("involved_agencies", "Which agencies are confirmed as involved?", "agencies",
           "Select at least one agency to ask for scoping", hint="Each is sent the scoping template.",
           options=AGENCY_OPTIONS),
     Field("meeting_on", "Date of the rapid review meeting", "date", "Enter the date of the rapid review meeting",
           hint="Within its window: 7 to 13 working days after the referral was received."),
     Field("meeting_time", "Time it starts (optional)", "text", "", hint="On the 24-hour clock, for example 14:30",
           required=False),
     Field("meeting_place", "Where it is held (optional)", "text", "",
           hint="A room and building, or an online link starting https://. No names: it goes into every invitation.",
           required=False),
     Field("outside_window_reason", "Why the meeting is outside its window (if it is)", "textarea", "",
           required=False)),
    "Scoping requested and the rapid review meeting booked", action="scoping_requested")

REBOOK_MEETING = Step(
    "meeting-rebook", "meeting", "Move the rapid review meeting", "Move the meeting", ("scoping",),
    SCOPING.fields[1:], "Meeting moved: every agency asked for scoping is invited again",
    action="meeting_rebooked", requires=("scoping_requested",), once=False)

ATTENDANCE = Step(
    "attendance", "meeting/attendance", "Record who attends the rapid review meeting", "Record attendance",
    ("scoping", "meeting_held"),
    (Field("attendees", "Who attends", "rows", "Enter at least one person attending",
           hint="The meeting is quorate only with the local authority, the police and the ICB represented.",
           parts=ATTENDEE_PARTS, item="Person"),),
    "Attendance recorded", action="attendance_recorded", once=False)

MEETING_HELD = Step(
    "meeting-held", "meeting/held", "Record the rapid review meeting as held", "Record the meeting",
    ("scoping",),
    (Field("held_on", "Date the meeting was held", "date", "Enter the date the meeting was held"),
     Field("reason", "Why it was held on another date than the one booked (if it was)", "textarea", "",
           required=False)),
    "Meeting recorded as held", action="meeting_held", once=False)

DECISION = Step(
    "decision", "decision", "Record the rapid review's decision", "Record the decision",
    ("meeting_held",),
    (Field("decision", "What did the rapid review decide?", "choice", "Select the rapid review's decision",
           options=(("cspr", "A local child safeguarding practice review (CSPR)"),
                    ("alternative_review", "Another kind of review"),
                    ("no_review", "No further review")),),
     Field("rationale", "Why", "textarea", "Enter the reasons for the decision"),
     Field("immediate_safety_actions", "Immediate safety actions (optional)", "lines", "",
           hint="One a line.", required=False),
     Field("learning", "Learning identified (optional)", "lines", "", hint="One a line.", required=False)),
    "Decision recorded", action="rapid_review_decided")

PANEL_RESPONSE = Step(
    "panel-response", "panel-response", "Record the national Panel's response", "Record the response",
    ("decided",),
    (Field("response", "What did the Panel say?", "choice", "Select the Panel's response",
           options=(("endorsed", "It endorsed the decision"), ("challenged", "It challenged the decision"),
                    ("accepted_as_completed_review", "It accepted the rapid review as the completed review"))),
     Field("received_on", "Date the response was received", "date", "Enter the date the response was received"),
     Field("details", "What the Panel said (optional)", "textarea", "", required=False)),
    "The Panel's response recorded", action="panel_responded")

CSPR_REVIEWERS = Step(
    "cspr-reviewers", "cspr/reviewers", "Commission the CSPR's reviewers", "Commission the reviewers",
    ("decided",),
    (Field("reviewers", "Reviewers", "lines", "Enter at least one reviewer", hint="One name a line."),),
    "Reviewers commissioned", action="cspr_reviewers", cspr=True)

CSPR_TERMS = Step(
    "cspr-terms", "cspr/terms", "Agree the CSPR's methodology and terms of reference", "Record the terms",
    ("decided",),
    (Field("methodology", "Methodology", "textarea", "Enter the review's methodology"),
     Field("terms_of_reference", "Terms of reference", "textarea", "Enter the terms of reference")),
    "Methodology and terms of reference agreed", action="cspr_terms", requires=("cspr_reviewers",), cspr=True)

CSPR_INVOLVEMENT = Step(
    "cspr-involvement", "cspr/involvement", "Record how practitioners and the family were involved",
    "Record involvement", ("decided",),
    (Field("practitioners", "How practitioners were involved", "textarea", "Enter how practitioners were involved"),
     Field("family", "How the family was involved, or why not", "textarea",
           "Enter how the family was involved, or why not")),
    "Involvement recorded", action="cspr_involvement", requires=("cspr_terms",), cspr=True)

CSPR_DRAFT = Step(
    "cspr-draft", "cspr/draft", "Add a draft of the CSPR report", "Add the draft", ("decided",),
    (Field("text", "The draft report", "textarea", "Enter the draft report",
           hint="Kept as an unpublished draft, strictly confidential: never shown to practitioners or the public."),),
    "Draft added", action="cspr_draft", requires=("cspr_terms",), once=False, cspr=True)

CSPR_FINAL = Step(
    "cspr-final", "cspr/final", "Send the final CSPR report to the Panel and the Secretary of State",
    "Send the final report", ("decided",),
    (Field("planned_publication_on", "Date publication is planned", "date", "Enter the date publication is planned",
           hint="After today: the Panel and the Secretary of State have the report before it is published."),),
    "Final report sent", action="final_report_sent", requires=("cspr_draft",), cspr=True)

CSPR_PUBLICATION = Step(
    "cspr-publication", "cspr/publication", "Record the CSPR's publication", "Record publication", ("decided",),
    (Field("published_on", "Date it was published", "date", "Enter the date it was published"),
     Field("in_full", "Was the report published in full?", "bool", "Select yes if it was published in full",
           options=YES_NO),
     Field("reasons_not_in_full", "Why it was not published in full (if it was not)", "textarea", "",
           required=False)),
    "Publication recorded", action="published", requires=("final_report_sent",), cspr=True)

CHILD_STEPS = (SCOPING, REBOOK_MEETING, ATTENDANCE, MEETING_HELD, DECISION, PANEL_RESPONSE, CSPR_REVIEWERS, CSPR_TERMS,
               CSPR_INVOLVEMENT, CSPR_DRAFT, CSPR_FINAL, CSPR_PUBLICATION)


SAR_SCREENING = Step(
    "sar-screening", "sar/screening", "Screen the SAR referral", "Record the screening", ("received",),
    (Field("business_manager_agrees", "Does the business manager agree?", "bool",
           "Select yes if the business manager agrees", options=YES_NO),
     Field("panel_chair_agrees", "Does the SAR panel chair agree?", "bool", "Select yes if the SAR panel chair agrees",
           options=YES_NO),
     Field("outcome", "Outcome", "choice", "Select the outcome of the screening",
           options=(("proceed_to_scoping", "On to scoping"), ("not_proceeding", "Not proceeding"))),
     Field("reasons", "Reasons", "textarea", "Enter the reasons for the screening's outcome"),
     Field("mandatory_override_reason", "The independent chair's reason for screening out a referral that meets "
           "the mandatory criteria (if it does)", "textarea", "", required=False,
           hint="The Care Act s44 duty: only the independent chair may screen such a referral out.")),
    "Screening recorded", action="sar_screened", pathway="adult", roles=BUSINESS_UNIT | CHAIR)

SAR_SCOPING = Step(
    "sar-scoping", "sar/scoping", "Sign the referral off for scoping", "Sign off for scoping", ("screened",),
    (Field("agencies", "Which agencies are asked for scoping?", "agencies", "Select at least one agency",
           options=AGENCY_OPTIONS),),
    "Signed off for scoping", action="signed_off_for_scoping", pathway="adult", roles=CHAIR)

SAR_SCOPING_REVIEW = Step(
    "sar-scoping-review", "sar/scoping-review", "Record the SAR panel's review of the scoping",
    "Record the review", ("scoping",),
    (Field("on", "Date the SAR panel reviewed the scoping", "date", "Enter the date the scoping was reviewed"),),
    "Scoping review recorded", action="scoping_reviewed", pathway="adult")

SAR_DECISION = Step(
    "sar-decision", "sar/decision", "Record the sub-group's decision whether to convene a SAR",
    "Record the decision", ("scoping_reviewed",),
    (Field("convene", "Does the sub-group recommend convening a SAR?", "bool", "Select yes to convene a SAR",
           options=YES_NO),
     Field("decided_on", "Date the sub-group decided", "date", "Enter the date the sub-group decided"),
     Field("reasons", "Reasons", "textarea", "Enter the reasons for the decision"),
     Field("other_steps", "What is done instead (when not convening)", "agencies", "", options=OTHER_STEPS,
           hint="Select all that apply.", required=False),
     Field("other_steps_detail", "Who does what (optional)", "textarea", "", required=False)),
    "The sub-group's decision recorded: the independent chair reviews it", action="sar_decided", pathway="adult")

SAR_AGREEMENT = Step(
    "sar-agreement", "sar/agreement", "Agree the SAR", "Agree and commission the SAR", ("decided",),
    (Field("on", "Date the independent chair agreed the SAR", "date", "Enter the date the SAR was agreed",
           hint="Agreeing it commissions it: the SAR's timetable counts from this date."),),
    "SAR agreed and commissioned", action="sar_agreed", pathway="adult", roles=CHAIR)

SAR_DECISION_REVIEW = Step(
    "sar-decision-review", "sar/decision/confirmation",
    "Review the sub-group's recommendation not to convene a SAR", "Record your review", ("not_convene_recommended",),
    (Field("confirmed", "Do you confirm the recommendation not to convene a SAR?", "bool",
           "Select yes to confirm the recommendation, or no to convene a SAR", options=YES_NO,
           hint="No overturns it: you then agree the SAR, which commissions it."),
     Field("on", "Date you reviewed it", "date", "Enter the date you reviewed the decision"),
     Field("reasons", "Your reasons (optional)", "textarea", "", required=False),
     Field("other_steps", "What is done instead (if you confirm it)", "agencies", "", options=OTHER_STEPS,
           hint="Leave these empty to keep the sub-group's.", required=False),
     Field("other_steps_detail", "Who does what (optional)", "textarea", "", required=False),
     Field("mandatory_override_reason", "Why no SAR is held although the referral meets the mandatory criteria "
           "(if it does)", "textarea", "", required=False,
           hint="The Care Act s44 duty: a SAR it requires is set aside only with your recorded reason.")),
    "Your review of the decision recorded", action="sar_decision_confirmed", pathway="adult", roles=CHAIR)

ADULT_STEPS = (SAR_SCREENING, SAR_SCOPING, SAR_SCOPING_REVIEW, SAR_DECISION, SAR_DECISION_REVIEW, SAR_AGREEMENT,
               *SAR_REVIEW_STEPS)


def next_steps(pathway: str, status: str, roles: frozenset[str] | set[str], *,
               done: set[str] | frozenset[str] = frozenset(), cspr: bool = False, delayed: bool = False) -> list[Step]:
    """The step forms the viewer may take now: theirs to take (the business unit's, the chair's),
    allowed by the case's status, whose earlier steps are in its history, not yet taken (or repeatable)."""
    return [s for s in CHILD_STEPS + ADULT_STEPS if s.pathway == pathway and set(roles) & s.roles
            and status in s.statuses and set(s.requires) <= set(done)
            and not (s.once and s.action in done) and (cspr or not s.cspr)
            and s.while_delayed in (None, delayed)]


STEPS = {s.slug: s for s in CHILD_STEPS + ADULT_STEPS}
