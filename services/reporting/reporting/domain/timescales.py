"""The statutory and local timescales the board reads timeliness against, in plain words.

Scheduling owns the rules (its timescales file); reporting only needs to say what each key means to a
reader and how lateness is best measured: in working days late (short, working-day timescales) or in
days elapsed from the date the clock starts (timescales of weeks and months). A key reporting does
not know yet is still counted, under its own name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

WORKING_DAYS_LATE = "working_days_late"
DAYS_ELAPSED = "days_elapsed"


@dataclass(frozen=True)
class Timescale:
    key: str
    what: str
    timescale: str
    measure: Literal["working_days_late", "days_elapsed"] = WORKING_DAYS_LATE
    # The case date the elapsed days count from: an anchor or fact name the referrals events record.
    counted_from: str | None = None


def _t(key: str, what: str, timescale: str, measure: str = WORKING_DAYS_LATE,
       counted_from: str | None = None) -> Timescale:
    return Timescale(key, what, timescale, measure, counted_from)  # type: ignore[arg-type]


CATALOGUE: dict[str, Timescale] = {t.key: t for t in (
    _t("rr.panel_notified", "National Panel notified of the serious incident",
       "5 working days after becoming aware", counted_from="became_aware_on"),
    _t("rr.lac_death_notified", "Secretary of State and Ofsted notified of a looked-after child's death",
       "5 working days after becoming aware", counted_from="became_aware_on"),
    _t("rr.scoping_sent", "Scoping template sent to every involved agency",
       "2 working days after the referral", counted_from="received_on"),
    _t("rr.scoping_returned", "Scoping template returned by the agency",
       "5 working days after it was sent", counted_from="scoping_sent_on"),
    _t("rr.meeting", "Rapid review meeting held in its window",
       "7 to 13 working days after the referral", counted_from="received_on"),
    _t("rr.complete", "Rapid review completed", "15 working days after becoming aware",
       counted_from="became_aware_on"),
    _t("rr.outcome_sent", "Rapid review outcome sent to the Panel, referrer and agencies",
       "2 working days after the meeting", counted_from="meeting_held"),
    _t("cspr.published", "CSPR completed and published", "6 months after the decision",
       DAYS_ELAPSED, "decision_on"),
    _t("cspr.final_to_panel", "Final CSPR report to the Panel and Secretary of State",
       "7 working days before publication"),
    _t("sar.scoping_returned", "SAR scoping returned by the agency", "20 working days after the request",
       counted_from="scoping_requested_on"),
    _t("sar.decision", "Decision whether to convene a SAR", "target 6 weeks, at the latest 8 weeks",
       DAYS_ELAPSED, "received_on"),
    _t("sar.agreed", "SAR agreed by the independent chair", "10 working days after the scoping review",
       counted_from="scoping_reviewed_on"),
    _t("sar.family_notified", "Family told a SAR is being commissioned", "5 working days after agreement",
       counted_from="agreed_on"),
    _t("sar.reviewers_commissioned", "SAR reviewers commissioned", "3 weeks after commissioning",
       DAYS_ELAPSED, "commissioned_on"),
    _t("sar.initial_meeting", "SAR initial scoping meeting held", "4 weeks after reviewers commissioned",
       DAYS_ELAPSED, "reviewers_commissioned_on"),
    _t("sar.panel_meeting", "SAR panel meets", "monthly"),
    _t("sar.draft_report", "SAR draft report to the SAR panel", "5 months after commission",
       DAYS_ELAPSED, "commissioned_on"),
    _t("sar.committee", "SAR presented to the SAR committee", "5 months and 15 days after commission",
       DAYS_ELAPSED, "commissioned_on"),
    _t("sar.signed_off", "SAR signed off by the board", "6 months after commission",
       DAYS_ELAPSED, "commissioned_on"),
    _t("sar.family_shared", "SAR report shared with the family", "2 weeks after sign-off",
       DAYS_ELAPSED, "signed_off_on"),
    _t("sar.published", "SAR published", "7 months after commission", DAYS_ELAPSED, "commissioned_on"),
    _t("sar.learning_event", "SAR learning event held", "9 months after commission",
       DAYS_ELAPSED, "commissioned_on"),
    _t("macfa.scope_agreed", "Audit scope agreed and tool devised", "7 weeks before the audit"),
    _t("macfa.cases_sampled", "Four cases sampled at random", "6 weeks before the audit"),
    _t("macfa.template_sent", "Audit template sent to agencies", "5 weeks before the audit"),
    _t("macfa.programme_sent", "Audit programme sent to invitees", "1 week before the audit"),
    _t("macfa.audit_date", "Multi-agency case file audit held", "4 weeks before the QA sub-group"),
    _t("macfa.report", "Audit report and action plan presented", "at the QA sub-group meeting"),
    _t("training.follow_up", "Training follow-up survey sent", "3 months after core training", DAYS_ELAPSED),
    _t("training.manager_survey", "Manager's impact survey sent", "4 months after core training", DAYS_ELAPSED),
)}

# The order the board reads them in: the framework's order, then anything new, by key.
ORDER = list(CATALOGUE)


def describe(key: str) -> Timescale:
    return CATALOGUE.get(key) or Timescale(key, key.replace(".", ": ").replace("_", " "), "as configured")


def sort_key(key: str) -> tuple[int, str]:
    return (ORDER.index(key) if key in ORDER else len(ORDER), key)
