"""How the board reads each timescale: lateness in working days late (short, working-day
timescales) or in days elapsed from the date the clock starts (timescales of weeks and months), and
in what order.

The rules themselves, and their words, belong to the scheduling service: a deadline's event carries
the rule's description, which the read model keeps. A deadline recorded before events carried it is
shown under its key's label. A key reporting does not list here is still counted, after the others.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Measure = Literal["working_days_late", "days_elapsed"]
WORKING_DAYS_LATE: Measure = "working_days_late"
DAYS_ELAPSED: Measure = "days_elapsed"


@dataclass(frozen=True)
class Measured:
    measure: Measure = WORKING_DAYS_LATE
    # The case date the elapsed days count from: an anchor or fact name the referrals events record.
    counted_from: str | None = None


def _days(counted_from: str | None = None) -> Measured:
    return Measured(DAYS_ELAPSED, counted_from)


def _working(counted_from: str | None = None) -> Measured:
    return Measured(WORKING_DAYS_LATE, counted_from)


# In the framework's order: the order the board reads them in.
MEASURES: dict[str, Measured] = {
    "rr.panel_notified": _working("became_aware_on"),
    "rr.lac_death_notified": _working("became_aware_on"),
    "rr.scoping_sent": _working("received_on"),
    "rr.scoping_returned": _working("scoping_sent_on"),
    "rr.meeting": _working("received_on"),
    "rr.complete": _working("became_aware_on"),
    "rr.outcome_sent": _working("meeting_held"),
    "cspr.published": _days("decision_on"),
    "cspr.final_to_panel": _working(),
    "sar.scoping_returned": _working("scoping_requested_on"),
    "sar.decision": _days("received_on"),
    "sar.agreed": _working("scoping_reviewed_on"),
    "sar.family_notified": _working("agreed_on"),
    "sar.reviewers_commissioned": _days("commissioned_on"),
    "sar.initial_meeting": _days("reviewers_commissioned_on"),
    "sar.panel_meeting": _working(),
    "sar.draft_report": _days("commissioned_on"),
    "sar.committee": _days("commissioned_on"),
    "sar.signed_off": _days("commissioned_on"),
    "sar.family_shared": _days("signed_off_on"),
    "sar.published": _days("commissioned_on"),
    "sar.learning_event": _days("commissioned_on"),
    "macfa.scope_agreed": _working(),
    "macfa.cases_sampled": _working(),
    "macfa.template_sent": _working(),
    "macfa.programme_sent": _working(),
    "macfa.audit_date": _working(),
    "macfa.report": _working(),
    "training.follow_up": _days(),
    "training.manager_survey": _days(),
}
ORDER = list(MEASURES)


def measured(key: str) -> Measured:
    return MEASURES.get(key) or Measured()


def label(key: str) -> str:
    """What a deadline without a description is shown as: its rule key, readable."""
    return key.replace(".", ": ").replace("_", " ")


def sort_key(key: str) -> tuple[int, str]:
    return (ORDER.index(key) if key in ORDER else len(ORDER), key)
