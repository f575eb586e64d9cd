"""The partnership's codes in the words people use on the pages."""
from __future__ import annotations

import re
from datetime import date

from safeguard_shared.contracts.referrals import DELAY_REASONS

AGENCY_NAMES = {
    "local_authority": "Local authority (children's social care)",
    "police": "Police",
    "icb": "Integrated care board (ICB)",
    "adult_social_care": "Adult social care",
    "school": "School or education",
    "health_provider": "Health provider",
    "probation": "Probation",
    "housing": "Housing",
    "ambulance": "Ambulance service",
    "partnership": "The partnership (business unit)",
}

ROLE_NAMES = {
    "referrer": "Referrer (agency staff)",
    "safeguarding_lead": "Agency safeguarding lead",
    "business_unit": "Business unit",
    "panel_member": "Panel member",
    "independent_chair": "Independent chair",
    "reviewer": "Reviewer",
    "qa_lead": "Quality assurance lead",
    "reporting_reader": "Reads reports (board)",
    "admin": "Administrator",
}

STATUS_NAMES = {
    "rapid_review": "Rapid review",
    "received": "Received",
    "returned": "Returned to the referrer",
    "scoping": "Scoping",
    "meeting_held": "Rapid review meeting held",
    "decided": "Decided",
    "published": "Published",
    "screened": "Screened: on to scoping",
    "scoping_reviewed": "Scoping reviewed",
    "not_convene_recommended": "Not to convene, for the independent chair to review",
    "not_convened": "Not convened",
    "commissioned": "SAR commissioned",
    "signed_off": "Signed off",
    "learning_event_held": "Learning event held",
}

PATHWAY_NAMES = {"child": "Child: serious incident", "adult": "Adult: safeguarding adult review (SAR)"}

NOTICE_NAMES = {
    "national_panel": "The Child Safeguarding Practice Review Panel (within 5 working days of becoming aware)",
    "ofsted": "Ofsted",
    "secretary_of_state": "The Secretary of State for Education",
}

# What is done instead of a SAR the sub-group does not convene.
OTHER_STEP_NAMES = {
    "single_agency_review": "A single-agency review", "multi_agency_learning_review": "A multi-agency learning review",
    "learning_event": "A learning event", "case_file_audit": "A case file audit",
    "practice_briefing": "A practice briefing", "training": "Training",
    "other_statutory_review": "Another statutory review", "other": "Something else",
}

# Codes a case's history shows (decisions, responses, statuses), in words.
DOCUMENT_KINDS = {
    "chronology": "Chronology",
    "scoping_return": "Scoping return",
    "imr": "Individual management review (IMR)",
    "draft": "Draft report",
    "final_report": "Final report",
    "other": "Other",
}

CODE_NAMES = {
    **DOCUMENT_KINDS,  # a document added shows on the timeline by its kind ("kind: chronology")
    **STATUS_NAMES, **AGENCY_NAMES,
    "cspr": "A local child safeguarding practice review", "alternative_review": "Another kind of review",
    "no_review": "No further review", "endorsed": "Endorsed", "challenged": "Challenged",
    "accepted_as_completed_review": "Accepted as the completed review",
    "proceed_to_scoping": "On to scoping", "not_proceeding": "Not proceeding",
    # a SAR's: what is done instead of it, what the board publishes, how the family is written to
    **OTHER_STEP_NAMES,
    "full": "The full report", "summary": "A summary", "email": "Email", "post": "Post",
    **{code: label[:1].upper() + label[1:] for code, label in DELAY_REASONS.items() if code != "other"},
}

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def agency_name(code: str) -> str:
    return AGENCY_NAMES.get(code, code.replace("_", " ").capitalize())


def code_in_words(code: str, names: dict[str, str]) -> str:
    return names.get(code, code.replace("_", " ").capitalize())


def date_in_words(value: date | str | None, *, weekday: bool = True) -> str:
    """'Monday 21 December 2026', as GOV.UK writes dates."""
    if value is None or value == "":
        return ""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    text = f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
    return f"{_DAYS[d.weekday()]} {text}" if weekday else text


_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def iso_dates_in_words(text: str, *, weekday: bool = False) -> str:
    def _one(m: re.Match[str]) -> str:
        try:
            return date_in_words(m.group(1), weekday=weekday)
        except ValueError:
            return m.group(1)

    return _ISO_DATE.sub(_one, text)
