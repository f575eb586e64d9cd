"""Which messages an event owes, to whom, and the key that makes each one happen once. No I/O.

The idempotency key names what, to whom and on which occasion: the same event redelivered any
number of times yields the same keys, so the same messages, once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# Subject lines never carry a name, a reference or a date of birth: they are constants.
SUBJECTS = {
    "serious_incident_notification": "Serious incident notification from the safeguarding partnership",
    "looked_after_child_death_notice": "Notification of the death of a looked-after child or care leaver",
    "scoping_request": "Rapid review: initial scoping, information sharing and securing of records",
    "meeting_invitation": "Invitation to a rapid review meeting",
    "rapid_review_outcome_to_panel": "Rapid review outcome from the safeguarding partnership",
    "rapid_review_outcome": "Outcome of the rapid review you contributed to",
    "final_report_to_panel": "Child safeguarding practice review: final report before publication",
    "deadline_reminder": "Reminder: a safeguarding review deadline is due soon",
    "deadline_overdue": "Overdue: a safeguarding review deadline has passed",
}


@dataclass(frozen=True)
class MessageOwed:
    recipient_kind: str
    template: str
    occasion: str  # e.g. "case:<case_id>", "deadline:<id>:missed"
    agency: str | None = None
    context: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def idempotency_key(self) -> str:
        raw = f"{self.template}|{self.recipient_kind}|{self.agency or ''}|{self.occasion}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def subject(self) -> str:
        return SUBJECTS[self.template]


def when_case_opened_send_statutory_notices(case_id: str, notices_owed: list[str]) -> list[MessageOwed]:
    occasion = f"case:{case_id}"
    owed = []
    for kind in notices_owed:
        if kind == "national_panel":
            owed.append(MessageOwed("national_panel", "serious_incident_notification", occasion))
        elif kind in ("secretary_of_state", "ofsted"):
            owed.append(MessageOwed(kind, "looked_after_child_death_notice", occasion))
    return owed


def when_scoping_requested_write_to_each_agency(case_id: str, agencies: list[str]) -> list[MessageOwed]:
    """The scoping template, the covering letter and the request to secure records, and the meeting
    invitation with the document list, to every involved agency."""
    occasion = f"case:{case_id}"
    owed = []
    for agency in agencies:
        owed.append(MessageOwed("agency", "scoping_request", occasion, agency))
        owed.append(MessageOwed("agency", "meeting_invitation", occasion, agency))
    return owed


def when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
        case_id: str, referring_agency: str, agencies: list[str]) -> list[MessageOwed]:
    occasion = f"case:{case_id}"
    owed = [MessageOwed("national_panel", "rapid_review_outcome_to_panel", occasion),
            MessageOwed("referrer", "rapid_review_outcome", occasion, referring_agency)]
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
