"""The children's pathway as a state machine: rapid review, then a CSPR, an alternative learning
review, or no review. No I/O: each step checks the rules, changes the state and says which events
it owes; the handler stores both in one transaction.

The framework's order: initial scoping (templates to every involved agency, meeting date set in its
window) → scoping returns → rapid review meeting (quorate only with the local authority, police and
ICB) → decision → outcome to the national Panel → the Panel's response → for a CSPR: reviewers,
terms of reference, involvement, drafts, final report to the Panel and the Secretary of State,
publication, recommendations.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

STATUTORY_PARTNERS = ("local_authority", "police", "icb")
DECISIONS = ("cspr", "alternative_review", "no_review")
PANEL_RESPONSES = ("endorsed", "challenged", "accepted_as_completed_review")
DRAFT_MARKING = "unpublished draft — strictly confidential"


class OutOfOrder(Exception):
    """A step the case is not ready for (409), with the reason in the framework's words."""


class RuleBroken(Exception):
    """Well-formed input that breaks a framework rule (422), naming the field."""

    def __init__(self, field_path: list[str], msg: str):
        super().__init__(msg)
        self.loc = field_path
        self.msg = msg


@dataclass
class Owed:
    """An event the step owes: its contract name and payload (the handler builds the contract)."""

    kind: str
    data: dict[str, Any]


@dataclass
class ChildCase:
    case_id: str
    case_ref: str
    referring_agency: str
    received_on: date
    became_aware_on: date
    rapid_review: bool
    involved_agencies: list[str]
    stage: str = "received"
    meeting_window: tuple[date, date] | None = None  # learnt from the clock's rr.meeting deadline
    scoping_agencies: list[str] = field(default_factory=list)
    scoping_requested_on: date | None = None
    meeting_on: date | None = None
    meeting_outside_window_reason: str | None = None
    scoping_returns: dict[str, dict] = field(default_factory=dict)
    attendance: list[dict] = field(default_factory=list)
    meeting_held_on: date | None = None
    decision: dict | None = None
    panel_response: dict | None = None
    cspr: dict = field(default_factory=dict)
    panel_notice: str = "not_owed"  # not_owed | awaiting_confirmation | sent

    # --- persistence of the state (a JSON column) ----------------------------------------------
    def to_state(self) -> dict:
        state = asdict(self)
        for k, v in list(state.items()):
            if isinstance(v, date):
                state[k] = v.isoformat()
        if self.meeting_window:
            state["meeting_window"] = [d.isoformat() for d in self.meeting_window]
        return state

    @classmethod
    def from_state(cls, state: dict) -> ChildCase:
        values = dict(state)
        for k in ("received_on", "became_aware_on", "scoping_requested_on", "meeting_on", "meeting_held_on"):
            if values.get(k):
                values[k] = date.fromisoformat(values[k])
        if values.get("meeting_window"):
            values["meeting_window"] = tuple(date.fromisoformat(d) for d in values["meeting_window"])
        return cls(**values)

    # --- steps ------------------------------------------------------------------------------------
    def _require_rapid_review(self) -> None:
        if not self.rapid_review:
            raise OutOfOrder("only a notified serious incident leads to a rapid review")

    def confirm_panel_notification(self, *, today: date) -> list[Owed]:
        """The local authority confirms the serious incident notification to the national Panel."""
        if self.panel_notice != "awaiting_confirmation":
            raise OutOfOrder("there is no Panel notification awaiting the local authority's confirmation"
                             if self.panel_notice == "not_owed" else "the Panel notification has already gone")
        self.panel_notice = "sent"
        return [Owed("panel_notification_confirmed", {"confirmed_on": today})]

    def learn_meeting_window(self, start: date, end: date) -> None:
        self.meeting_window = (start, end)

    def request_scoping(self, *, agencies: list[str], meeting_on: date, today: date,
                        outside_window_reason: str | None) -> list[Owed]:
        """The business unit confirms the involved agencies; the scoping template, letter and
        records-securing request go to each, and the meeting date is set in its window."""
        self._require_rapid_review()
        if self.stage != "received":
            raise OutOfOrder(f"scoping was already requested on {self.scoping_requested_on}")
        if self.meeting_window is None:
            raise OutOfOrder("the meeting window is not known yet (the clock is still counting it); try again shortly")
        if meeting_on < today:
            raise RuleBroken(["body", "meeting_on"], "the meeting cannot be set in the past")
        start, end = self.meeting_window
        inside = start <= meeting_on <= end
        if not inside and not (outside_window_reason and outside_window_reason.strip()):
            raise RuleBroken(["body", "outside_window_reason"],
                             f"the meeting must be between {start.isoformat()} and {end.isoformat()} "
                             "(7 to 13 working days after the referral was received), or give the reason it cannot be")
        self.scoping_agencies = list(agencies)
        self.involved_agencies = sorted(set(self.involved_agencies) | set(agencies))
        self.scoping_requested_on = today
        self.meeting_on = meeting_on
        self.meeting_outside_window_reason = None if inside else outside_window_reason.strip()
        self.stage = "scoping"
        return [Owed("scoping_requested", {"agencies": list(agencies), "meeting_on": meeting_on,
                                           "window_start": start, "window_end": end,
                                           "outside_window": not inside})]

    def return_scoping(self, *, agency: str, returned_on: date, records_secured: bool,
                       no_information_held: bool, involvement: str | None) -> list[Owed]:
        self._require_rapid_review()
        if self.stage == "received":
            raise OutOfOrder("scoping has not been requested yet")
        if agency not in self.scoping_agencies:
            raise OutOfOrder(f"{agency} was not asked for scoping on this case")
        if agency in self.scoping_returns:
            raise OutOfOrder(f"{agency} already returned its scoping on {self.scoping_returns[agency]['returned_on']}")
        if not no_information_held and not (involvement and involvement.strip()):
            raise RuleBroken(["body", "involvement"],
                             "describe the agency's involvement, or state no_information_held")
        self.scoping_returns[agency] = {"returned_on": returned_on.isoformat(), "records_secured": records_secured,
                                        "no_information_held": no_information_held,
                                        "involvement": (involvement or "").strip()}
        return [Owed("milestone", {"fact": "scoping_returned", "on": returned_on, "agency": agency})]

    def record_attendance(self, *, attendees: list[dict]) -> list[Owed]:
        """Who attended; it may be corrected until the decision (e.g. a representative left off)."""
        self._require_rapid_review()
        if self.stage == "received":
            raise OutOfOrder("set the meeting (request scoping) before recording who attends it")
        if self.stage not in ("scoping", "meeting_held"):
            raise OutOfOrder("the meeting has decided; its attendance can no longer change")
        self.attendance = [dict(a) for a in attendees]
        return []

    @property
    def quorate(self) -> bool:
        present = {a["agency"] for a in self.attendance}
        return all(p in present for p in STATUTORY_PARTNERS)

    @property
    def missing_partners(self) -> list[str]:
        present = {a["agency"] for a in self.attendance}
        return [p for p in STATUTORY_PARTNERS if p not in present]

    def hold_meeting(self, *, held_on: date, today: date) -> list[Owed]:
        self._require_rapid_review()
        if self.stage not in ("scoping", "meeting_held"):
            raise OutOfOrder("the meeting can be held once scoping has been requested, and before its decision")
        # An inquorate meeting decides nothing: it is reconvened, and the new date is recorded here
        # (the clocks that hang on the meeting move with it). Until the decision, a date recorded
        # wrongly can be corrected the same way.
        if held_on > today:
            raise RuleBroken(["body", "held_on"], "a meeting cannot be recorded as held in the future")
        if self.scoping_requested_on and held_on < self.scoping_requested_on:
            raise RuleBroken(["body", "held_on"], "the meeting cannot be before scoping was requested")
        self.meeting_held_on = held_on
        self.stage = "meeting_held"
        return [Owed("milestone", {"fact": "meeting_held", "on": held_on})]

    def decide(self, *, decision: str, safety_actions: list[str], learning: list[str], rationale: str,
               today: date) -> list[Owed]:
        self._require_rapid_review()
        if self.stage != "meeting_held":
            raise OutOfOrder("a decision is recorded at the rapid review meeting, after it is held")
        if not self.quorate:
            raise OutOfOrder("the meeting was not quorate: no representative of "
                             + ", ".join(p.replace("_", " ") for p in self.missing_partners)
                             + "; no decision can be recorded. Correct the attendance, or reconvene the "
                               "meeting and record the new date (meeting/held)")
        if decision not in DECISIONS:
            raise RuleBroken(["body", "decision"], f"one of {', '.join(DECISIONS)}")
        self.decision = {"decision": decision, "safety_actions": safety_actions, "learning": learning,
                         "rationale": rationale, "decided_on": self.meeting_held_on.isoformat(),
                         "recorded_on": today.isoformat()}
        self.stage = "decided"
        owed = [Owed("milestone", {"fact": "rapid_review_completed", "on": self.meeting_held_on}),
                Owed("rapid_review_decided", {"decision": decision, "decided_on": self.meeting_held_on,
                                              "safety_actions": len(safety_actions), "learning": len(learning)})]
        if decision == "cspr":
            owed.append(Owed("milestone", {"fact": "cspr_decided", "on": self.meeting_held_on,
                                           "anchor": "decision_on"}))
        return owed

    def record_panel_response(self, *, response: str, details: str | None, received_on: date) -> list[Owed]:
        if self.stage not in ("decided",) and not self.cspr:
            raise OutOfOrder("the Panel responds to a completed rapid review")
        if self.decision is None:
            raise OutOfOrder("the Panel responds to a completed rapid review")
        if response == "challenged" and not (details and details.strip()):
            raise RuleBroken(["body", "details"], "record what the Panel asked when it challenges the decision")
        self.panel_response = {"response": response, "details": (details or "").strip(),
                               "received_on": received_on.isoformat()}
        return [Owed("panel_responded", {"response": response})]

    # --- CSPR ----------------------------------------------------------------------------------
    def _require_cspr(self) -> None:
        if not self.decision or self.decision["decision"] != "cspr":
            raise OutOfOrder("this step belongs to a child safeguarding practice review, which was not decided")
        if self.cspr.get("published_on"):
            raise OutOfOrder("the review is already published")

    def cspr_step(self, step: str, data: dict, today: date) -> list[Owed]:
        """Commission reviewers, agree terms, record involvement, add a draft."""
        self._require_cspr()
        order = ["reviewers", "terms", "involvement"]
        if step in order:
            for earlier in order[: order.index(step)]:
                if earlier not in self.cspr:
                    raise OutOfOrder(f"record the {earlier} before the {step}")
            self.cspr[step] = {**data, "recorded_on": today.isoformat()}
            return []
        if step == "draft":
            if "terms" not in self.cspr:
                raise OutOfOrder("agree the methodology and terms of reference before drafts")
            drafts = self.cspr.setdefault("drafts", [])
            drafts.append({"version": len(drafts) + 1, "marking": DRAFT_MARKING, "added_on": today.isoformat(),
                           "text": data["text"]})
            return []
        raise OutOfOrder(f"unknown CSPR step {step}")

    def send_final_report(self, *, planned_publication_on: date, today: date) -> list[Owed]:
        self._require_cspr()
        if not self.cspr.get("drafts"):
            raise OutOfOrder("there is no draft report to finalise")
        if planned_publication_on <= today:
            raise RuleBroken(["body", "planned_publication_on"], "publication must be planned after today")
        self.cspr["final"] = {"planned_publication_on": planned_publication_on.isoformat(),
                              "sent_on": today.isoformat()}
        return [Owed("milestone", {"fact": "publication_planned", "on": planned_publication_on,
                                   "anchor": "planned_publication_on"}),
                Owed("final_report_ready", {"planned_publication_on": planned_publication_on})]

    def publish(self, *, published_on: date, in_full: bool, reasons_not_in_full: str | None,
                recommendations: list[dict], today: date) -> list[Owed]:
        self._require_cspr()
        if "final" not in self.cspr:
            raise OutOfOrder("the final report goes to the Panel and the Secretary of State before publication")
        if published_on > today:
            raise RuleBroken(["body", "published_on"], "record publication once it has happened")
        if not in_full and not (reasons_not_in_full and reasons_not_in_full.strip()):
            raise RuleBroken(["body", "reasons_not_in_full"],
                             "reports are published in full as far as possible: give the reasons why not")
        self.cspr["published_on"] = published_on.isoformat()
        self.cspr["in_full"] = in_full
        self.cspr["reasons_not_in_full"] = (reasons_not_in_full or "").strip() or None
        self.cspr["recommendations"] = recommendations
        self.stage = "published"
        return [Owed("milestone", {"fact": "cspr_published", "on": published_on}),
                Owed("review_published", {"published_on": published_on, "in_full": in_full,
                                           "recommendations": recommendations})]

    def drafts_visible_to(self, roles: set[str]) -> bool:
        return bool(roles & {"business_unit", "reviewer", "panel_member", "independent_chair", "admin"})
