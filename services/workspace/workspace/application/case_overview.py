"""Where a case stands, for the person looking: its steps so far (the history the referrals service
lets them read), what is due next (the deadlines scheduling lets them see), and the step forms they
may take now. What a service will not show this person is left out, not guessed at."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from ..adapters.referrals_api import ReferralsApi
from ..adapters.scheduling_api import SchedulingApi
from . import agency_work, cases, worklist
from .adult_referral_form import WHY_RETURNED
from .panel import PanelLinks, panel_links
from .steps import Step, next_steps
from .words import code_in_words

ACTIONS = {
    "referred": "Referred",
    "returned": "Returned to the referrer",
    "resubmitted": "Sent again, put right",
    "panel_notification_confirmed": "The local authority confirmed the Panel's notification",
    "scoping_requested": "Scoping requested and the rapid review meeting booked",
    "scoping_returned": "An agency returned its scoping",
    "meeting_rebooked": "The rapid review meeting moved",
    "document_added": "A document added",
    "attendance_recorded": "Attendance at the rapid review meeting recorded",
    "meeting_held": "Rapid review meeting held",
    "rapid_review_decided": "Rapid review decided",
    "panel_responded": "The national Panel responded",
    "cspr_reviewers": "CSPR reviewers commissioned",
    "cspr_terms": "CSPR methodology and terms of reference agreed",
    "cspr_involvement": "Practitioners' and the family's involvement recorded",
    "cspr_draft": "A CSPR draft added",
    "final_report_sent": "The final CSPR report sent to the Panel and the Secretary of State",
    "published": "Published",
    "sar_screened": "Screened",
    "signed_off_for_scoping": "Signed off for scoping by the independent chair",
    "scoping_reviewed": "Scoping reviewed by the SAR panel",
    "sar_decided": "The sub-group decided",
    "sar_decision_confirmed": "The independent chair confirmed the decision",
    "sar_decision_overturned": "The independent chair overturned the decision",
    "sar_agreed": "The independent chair agreed the SAR",
    "family_contact_recorded": "Who the partnership writes to recorded",
    "family_notified": "The family told a SAR is commissioned",
    "reviewers_commissioned": "SAR reviewers commissioned",
    "initial_meeting_held": "Initial scoping meeting of the reviewers and the SAR panel held",
    "imrs_requested": "Individual management reviews (IMRs) asked for",
    "imr_submitted": "An agency sent its IMR",
    "panel_meeting_held": "SAR panel meeting held",
    "draft_report_presented": "The draft report presented to the SAR panel",
    "committee_presentation_held": "The report presented to the SAR committee",
    "signed_off": "The board signed the report off",
    "report_shared_with_family": "The report shared with the family",
    "sar_published": "Published",
    "learning_event_held": "Learning event held",
    "findings_recorded": "Findings recorded for the annual report",
    "sar_delayed": "Delayed past six months: the adult or their advocate told why",
    "delay_update_sent": "An update on the delay sent",
    "sar_resumed": "The delay ended",
}
# What of a history line's detail a person may be shown: codes and dates only, never free text
# (a reason, a rationale), which stays on the case's own pages for those who may read them.
SHOWN_DETAIL = {"decision": "Decision", "outcome": "Outcome", "convene": "Convene a SAR", "response": "Response",
                "held_on": "Held on", "meeting_on": "Meeting on", "on": "On", "decided_on": "Decided on",
                "notified_on": "Told on", "commissioned_on": "Commissioned on", "signed_off_on": "Signed off on",
                "published_on": "Published on", "confirmed": "Confirmed", "other_steps": "Instead",
                "publish": "To publish", "reason_code": "Why", "channel": "Writes by",
                "independent": "Written by a manager independent of the case",
                "agency": "Agency", "agencies": "Agencies", "status": "Status", "kind": "Kind"}


@dataclass
class HistoryLine:
    at: datetime
    what: str
    by_agency: str
    detail: list[tuple[str, Any]]


@dataclass
class Overview:
    history: list[HistoryLine] | None = None  # None: not this person's to read
    due: list[worklist.Due] | None = None
    steps: list[Step] = field(default_factory=list)
    return_reasons: list[str] = field(default_factory=list)
    return_reasons_known: bool = True  # False: the service showed this reader the history without them
    deadlines_unavailable: bool = False  # the scheduling service did not answer: said, not guessed
    documents: list[dict[str, Any]] | None = None  # None: not this person's to see
    scoping_return: bool = False  # the viewer's agency may return its scoping now (the API still decides)
    panel: PanelLinks = field(default_factory=PanelLinks)  # the pack, the meeting, the drafts (panel.py)
    imr: bool = False  # the viewer's agency was asked for its IMR and has not sent it (the API still decides)


def _shown(value: Any) -> Any:
    return ("Yes" if value else "No") if isinstance(value, bool) else value


def history_lines(history: list[dict[str, Any]]) -> list[HistoryLine]:
    return [HistoryLine(at=datetime.fromisoformat(str(h["at"])), what=code_in_words(str(h["action"]), ACTIONS),
                        by_agency=str(h.get("agency") or ""),
                        detail=[(label, _shown((h.get("detail") or {})[key])) for key, label in SHOWN_DETAIL.items()
                                if (h.get("detail") or {}).get(key) not in (None, "", [])])
            for h in history]


AGENCY_ROLES = frozenset({"referrer", "safeguarding_lead"})  # who returns an agency's own scoping


def scoping_return_offered(case: dict[str, Any], agency: str, roles: frozenset[str],
                           history: list[dict[str, Any]]) -> bool:
    """While scoping is open, to an agency that has not returned its own yet."""
    returned = any(h.get("action") == "scoping_returned" and h.get("agency") == agency for h in history)
    return (case["status"] == "scoping" and agency != "partnership" and bool(roles & AGENCY_ROLES)
            and not returned)


def imr_offered(case: dict[str, Any], agency: str, roles: frozenset[str], history: list[dict[str, Any]]) -> bool:
    """While the SAR runs, to an agency asked for its IMR that has not sent it yet."""
    def detail(h: dict[str, Any]) -> dict[str, Any]:
        return dict(h.get("detail") or {})

    asked = {a for h in history if h.get("action") == "imrs_requested" for a in detail(h).get("agencies") or []}
    sent = any(h.get("action") == "imr_submitted" and detail(h).get("agency") == agency for h in history)
    return case["status"] == "commissioned" and agency in asked and bool(roles & AGENCY_ROLES) and not sent


def delayed(history: list[dict[str, Any]]) -> bool:
    """A SAR is delayed from its delay until it resumes (the history's last word on it)."""
    changes = [h.get("action") for h in history if h.get("action") in ("sar_delayed", "sar_resumed")]
    return bool(changes) and changes[-1] == "sar_delayed"


async def overview(referrals: ReferralsApi, scheduling: SchedulingApi | None, token: str, case: dict[str, Any],
                   *, roles: frozenset[str], today: Any, agency: str = "") -> Overview:
    found = Overview()
    found.documents = agency_work.documents_shown(await referrals.documents(token, case["case_id"]))
    history = await referrals.history(token, case["case_id"])
    found.panel = panel_links(case, roles, list(history.body) if history.status == 200 else [])
    if history.status == 200:
        found.history = history_lines(list(history.body))
        done = {str(h.get("action")) for h in history.body}
        cspr = any((h.get("detail") or {}).get("decision") == "cspr" for h in history.body
                   if h.get("action") == "rapid_review_decided")
        found.steps = next_steps(case["pathway"], case["status"], roles, done=done, cspr=cspr,
                                 delayed=delayed(list(history.body)))
        found.scoping_return = scoping_return_offered(case, agency, roles, list(history.body))
        found.imr = imr_offered(case, agency, roles, list(history.body))
        if case["status"] == "returned":
            found.return_reasons = cases.return_reasons(list(history.body))
            found.return_reasons_known = bool(found.return_reasons)
            found.return_reasons = found.return_reasons or list(WHY_RETURNED)
    elif history.status not in (403, 404):
        cases.expect(history, 200)
    if scheduling is not None:
        try:
            deadlines = await scheduling.deadlines(token, case["case_id"])
            if deadlines.status == 200:
                names = await worklist.rule_names(scheduling, token)
                found.due = worklist.what_is_due(list(deadlines.body), names, today)
            elif deadlines.status != 403:
                cases.expect(deadlines, 200)
        except httpx.HTTPError:
            # The case itself is still worth showing; its deadlines are said to be unavailable.
            found.deadlines_unavailable = True
    return found
