"""The adults' pathway as a state machine: a safeguarding adult review from referral to learning
event. No I/O: each step checks the framework's rules, changes the state and says which events it
owes (the handler stores both in one transaction).

The framework's order: referral (authorised by the agency's safeguarding lead or a senior manager;
incomplete ones are returned with the reasons) → screening by the business manager and the SAR
panel chair → sign-off for scoping by the independent chair → scoping from every agency with
involvement (20 working days) → scoping review → the sub-group's decision whether to convene a SAR
(target 6 weeks, latest 8) → the chair agrees it (10 working days after the scoping review), which
commissions it → the family is told → reviewers (3 weeks) → initial scoping meeting (4 weeks) →
IMRs by managers independent of the case → monthly panel meetings → draft report (5 months) →
committee (5½) → board sign-off (6), full report or summary → shared with the family (2 weeks) →
publication (7) → learning event (9). A SAR that will run past six months is delayed in writing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from .child_case import OutOfOrder, Owed, RuleBroken

# Each step: the stage it needs, the stage it leads to.
STAGES = ("returned", "received", "screened", "scoping", "scoping_reviewed", "decided", "not_convened",
          "commissioned", "signed_off", "published", "learning_event_held")


def care_act_criteria(criteria: dict) -> str | None:
    """Which Care Act s44 duty the referral meets: mandatory (died / alive), discretionary, or None."""
    suspected = criteria.get("abuse_or_neglect") in ("known", "suspected")
    if criteria.get("died") and suspected and criteria.get("concern_agencies_could_have_worked_better"):
        return "mandatory_died"
    if not criteria.get("died") and suspected:
        return "mandatory_alive"
    if criteria.get("discretionary"):
        return "discretionary"
    return None


def reasons_incomplete(*, authorised: bool, agencies: list[str], summary: str | None) -> list[str]:
    """Why a well-formed referral cannot go forward yet (it is returned, not refused)."""
    reasons = []
    if not authorised:
        reasons.append("the referral must be authorised by the agency's safeguarding lead or a senior manager")
    if not agencies:
        reasons.append("name the agencies involved with the adult")
    if not (summary and summary.strip()):
        reasons.append("give a summary of the concerns")
    return reasons


@dataclass
class SarCase:
    case_id: str
    case_ref: str
    referring_agency: str
    received_on: date
    involved_agencies: list[str]
    criteria_met: str | None
    stage: str = "received"
    screening: dict | None = None
    scoping_agencies: list[str] = field(default_factory=list)
    scoping_returns: dict[str, dict] = field(default_factory=dict)
    scoping_reviewed_on: str | None = None
    decision: dict | None = None
    agreed_on: str | None = None
    family_notified: dict | None = None
    reviewers: dict | None = None
    imrs_requested: list[str] = field(default_factory=list)
    imrs: dict[str, dict] = field(default_factory=dict)
    initial_meeting_on: str | None = None
    panel_meetings: list[dict] = field(default_factory=list)
    milestones: dict[str, str] = field(default_factory=dict)
    board_sign_off: dict | None = None
    delay: dict | None = None
    delay_updates: list[dict] = field(default_factory=list)
    findings: dict | None = None
    # The adult, family member or advocate the partnership writes to (recorded by the business unit).
    family_contact: dict | None = None

    def to_state(self) -> dict:
        state = asdict(self)
        state["received_on"] = self.received_on.isoformat()
        return state

    @classmethod
    def from_state(cls, state: dict) -> SarCase:
        values = dict(state)
        values["received_on"] = date.fromisoformat(values["received_on"])
        return cls(**values)

    # --- helpers --------------------------------------------------------------------------------
    def _need(self, *stages: str, doing: str) -> None:
        if self.stage not in stages:
            raise OutOfOrder(f"{doing} comes when the SAR is {' or '.join(s.replace('_', ' ') for s in stages)}; "
                             f"it is {self.stage.replace('_', ' ')}")

    @staticmethod
    def _not_future(value: date, today: date, field_name: str) -> None:
        if value > today:
            raise RuleBroken(["body", field_name], "record it once it has happened (the date is in the future)")

    def _milestone(self, fact: str, on: date, anchor: str | None = None, agency: str | None = None) -> Owed:
        return Owed("milestone", {"fact": fact, "on": on, "anchor": anchor, "agency": agency})

    # --- screening and scoping -------------------------------------------------------------------
    def screen(self, *, business_manager_agrees: bool, panel_chair_agrees: bool, outcome: str, reasons: str,
               today: date) -> list[Owed]:
        self._need("received", doing="screening")
        if outcome == "proceed_to_scoping" and not (business_manager_agrees and panel_chair_agrees):
            raise RuleBroken(["body", "outcome"], "the business manager and the SAR panel chair both screen the "
                                                  "referral before it goes to scoping")
        self.screening = {"business_manager_agrees": business_manager_agrees, "panel_chair_agrees": panel_chair_agrees,
                          "outcome": outcome, "reasons": reasons, "screened_on": today.isoformat()}
        self.stage = "screened" if outcome == "proceed_to_scoping" else "not_convened"
        return [Owed("sar_screened", {"outcome": outcome})]

    def sign_off_for_scoping(self, *, agencies: list[str], today: date) -> list[Owed]:
        self._need("screened", doing="the independent chair's sign-off for scoping")
        self.scoping_agencies = list(agencies)
        self.involved_agencies = sorted(set(self.involved_agencies) | set(agencies))
        self.stage = "scoping"
        return [self._milestone("scoping_requested", today, anchor="scoping_requested_on", agency=a) for a in agencies]

    def return_scoping(self, *, agency: str, returned_on: date, information: str | None,
                       no_information_held: bool) -> list[Owed]:
        self._need("scoping", doing="a scoping return")
        if agency not in self.scoping_agencies:
            raise OutOfOrder(f"{agency} was not asked for scoping on this SAR")
        if agency in self.scoping_returns:
            raise OutOfOrder(f"{agency} already returned its scoping")
        if not no_information_held and not (information and information.strip()):
            raise RuleBroken(["body", "information"], "give the agency's information, or state no_information_held")
        self.scoping_returns[agency] = {"returned_on": returned_on.isoformat(), "no_information_held": no_information_held}
        return [self._milestone("scoping_returned", returned_on, agency=agency)]

    def review_scoping(self, *, reviewed_on: date, today: date) -> list[Owed]:
        self._need("scoping", doing="the scoping review")
        self._not_future(reviewed_on, today, "reviewed_on")
        self.scoping_reviewed_on = reviewed_on.isoformat()
        self.stage = "scoping_reviewed"
        return [self._milestone("scoping_reviewed", reviewed_on, anchor="scoping_reviewed_on")]

    def decide(self, *, convene: bool, decided_on: date, reasons: str, today: date) -> list[Owed]:
        self._need("scoping_reviewed", doing="the decision whether to convene a SAR")
        self._not_future(decided_on, today, "decided_on")
        self.decision = {"convene": convene, "decided_on": decided_on.isoformat(), "reasons": reasons}
        self.stage = "decided" if convene else "not_convened"
        return [self._milestone("sar_decision_made", decided_on),
                Owed("sar_decided", {"convene": convene, "decided_on": decided_on})]

    def agree(self, *, agreed_on: date, today: date) -> list[Owed]:
        """The independent chair agrees the SAR; agreeing it commissions it."""
        self._need("decided", doing="the chair's agreement")
        self._not_future(agreed_on, today, "agreed_on")
        self.agreed_on = agreed_on.isoformat()
        self.stage = "commissioned"
        return [self._milestone("sar_agreed", agreed_on, anchor="agreed_on"),
                self._milestone("sar_commissioned", agreed_on, anchor="commissioned_on")]

    # --- the review --------------------------------------------------------------------------------
    def _review_step(self, fact: str, on: date, today: date, field_name: str, anchor: str | None = None) -> list[Owed]:
        self._need("commissioned", "signed_off", doing=fact.replace("_", " "))
        self._not_future(on, today, field_name)
        self.milestones[fact] = on.isoformat()
        return [self._milestone(fact, on, anchor=anchor)]

    def tell_family(self, *, notified_on: date, by: str, method: str, today: date) -> list[Owed]:
        owed = self._review_step("family_notified", notified_on, today, "notified_on")
        self.family_notified = {"on": notified_on.isoformat(), "by": by, "method": method}
        return owed + [Owed("family_letter", {"letter": "family_told_of_commission"})]

    def commission_reviewers(self, *, reviewers: list[str], commissioned_on: date, today: date) -> list[Owed]:
        owed = self._review_step("reviewers_commissioned", commissioned_on, today, "commissioned_on",
                                 anchor="reviewers_commissioned_on")
        self.reviewers = {"names": reviewers, "commissioned_on": commissioned_on.isoformat()}
        return owed

    def hold_initial_meeting(self, *, held_on: date, today: date) -> list[Owed]:
        if not self.reviewers:
            raise OutOfOrder("the initial scoping meeting is held by the reviewers and the SAR panel: commission "
                             "the reviewers first")
        self.initial_meeting_on = held_on.isoformat()
        return self._review_step("initial_meeting_held", held_on, today, "held_on")

    def request_imrs(self, *, agencies: list[str]) -> list[Owed]:
        self._need("commissioned", doing="requesting IMRs")
        self.imrs_requested = sorted(set(self.imrs_requested) | set(agencies))
        return []

    def submit_imr(self, *, agency: str, imr: dict, today: date) -> list[Owed]:
        self._need("commissioned", doing="an IMR")
        if agency not in self.imrs_requested:
            raise OutOfOrder(f"no IMR was requested from {agency}")
        problems = []
        if not imr.get("author_independent_of_case"):
            problems.append(RuleBroken(["body", "author_independent_of_case"],
                                       "an IMR is written by a manager independent of the case"))
        for part in ("chronology", "review_of_records", "interviews"):
            if not (imr.get(part) or "").strip():
                problems.append(RuleBroken(["body", part], f"the IMR needs its {part.replace('_', ' ')}"))
        if problems:
            raise ExceptionGroup("the IMR breaks the framework's rules", problems)
        self.imrs[agency] = {**imr, "submitted_on": today.isoformat()}
        return []

    def hold_panel_meeting(self, *, meeting: dict, held_on: date, today: date) -> list[Owed]:
        owed = self._review_step("panel_meeting_held", held_on, today, "held_on")
        self.panel_meetings.append({**meeting, "held_on": held_on.isoformat()})
        return owed

    def present_draft(self, *, presented_on: date, today: date) -> list[Owed]:
        return self._review_step("draft_report_presented", presented_on, today, "presented_on")

    def present_to_committee(self, *, held_on: date, today: date) -> list[Owed]:
        if "draft_report_presented" not in self.milestones:
            raise OutOfOrder("the SAR committee sees the report after the draft has gone to the SAR panel")
        return self._review_step("committee_presentation_held", held_on, today, "held_on")

    def sign_off(self, *, signed_off_on: date, publish: str, today: date) -> list[Owed]:
        self._need("commissioned", doing="the board's sign-off")
        if "committee_presentation_held" not in self.milestones:
            raise OutOfOrder("the board signs off after the presentation to the SAR committee")
        self._not_future(signed_off_on, today, "signed_off_on")
        self.board_sign_off = {"on": signed_off_on.isoformat(), "publish": publish}
        self.stage = "signed_off"
        return [self._milestone("signed_off", signed_off_on, anchor="signed_off_on")]

    def share_with_family(self, *, shared_on: date, today: date) -> list[Owed]:
        self._need("signed_off", doing="sharing the report with the family")
        self._not_future(shared_on, today, "shared_on")
        self.milestones["report_shared_with_family"] = shared_on.isoformat()
        return [self._milestone("report_shared_with_family", shared_on),
                Owed("family_letter", {"letter": "report_shared_with_family"})]

    def publish(self, *, published_on: date, recommendations: list[dict], today: date) -> list[Owed]:
        self._need("signed_off", doing="publication")
        self._not_future(published_on, today, "published_on")
        in_full = bool(self.board_sign_off and self.board_sign_off["publish"] == "full")
        self.milestones["sar_published"] = published_on.isoformat()
        self.stage = "published"
        return [self._milestone("sar_published", published_on),
                Owed("review_published", {"published_on": published_on, "in_full": in_full,
                                           "recommendations": recommendations})]

    def hold_learning_event(self, *, held_on: date, today: date) -> list[Owed]:
        self._need("published", doing="the learning event")
        self._not_future(held_on, today, "held_on")
        self.milestones["learning_event_held"] = held_on.isoformat()
        self.stage = "learning_event_held"
        return [self._milestone("learning_event_held", held_on)]

    # --- delay ------------------------------------------------------------------------------------
    def delay_review(self, *, reason: str, expected_sign_off_on: date | None, today: date) -> list[Owed]:
        """The SAR will run past six months: the clock stops, and the adult or advocate is told why."""
        self._need("commissioned", doing="delaying the SAR")
        if self.delay and not self.delay.get("resumed_on"):
            raise OutOfOrder("the SAR is already delayed")
        self.delay = {"reason": reason, "since": today.isoformat(),
                      "expected_sign_off_on": expected_sign_off_on.isoformat() if expected_sign_off_on else None}
        return [Owed("sar_delay", {"change": "delayed", "reason": reason}),
                Owed("family_letter", {"letter": "delay", "reason": reason,
                                       "expected_sign_off_on": self.delay["expected_sign_off_on"]})]

    def update_on_delay(self, *, update: str, today: date) -> list[Owed]:
        if not self.delay or self.delay.get("resumed_on"):
            raise OutOfOrder("updates are sent while the SAR is delayed")
        self.delay_updates.append({"on": today.isoformat(), "update": update})
        return [self._milestone("delay_update_sent", today),
                Owed("family_letter", {"letter": "delay_update", "reason": self.delay["reason"], "update": update})]

    def resume(self, *, today: date) -> list[Owed]:
        if not self.delay or self.delay.get("resumed_on"):
            raise OutOfOrder("the SAR is not delayed")
        self.delay["resumed_on"] = today.isoformat()
        return [Owed("sar_delay", {"change": "resumed", "reason": f"resumed after: {self.delay['reason']}"})]

    def record_family_contact(self, *, contact: dict) -> list[Owed]:
        self.family_contact = dict(contact)
        return []

    # --- for the annual report ---------------------------------------------------------------------
    def record_findings(self, *, findings: list[str], actions_taken: list[str],
                        not_implemented: list[dict]) -> list[Owed]:
        self._need("signed_off", "published", "learning_event_held", doing="recording findings")
        for i, item in enumerate(not_implemented):
            if not (item.get("reason") or "").strip():
                raise RuleBroken(["body", "not_implemented", str(i), "reason"],
                                 "give the reason a recommendation was not implemented")
        self.findings = {"findings": findings, "actions_taken": actions_taken, "not_implemented": not_implemented}
        return [Owed("findings_recorded", {"findings": len(findings), "actions_taken": len(actions_taken),
                                           "not_implemented": [i.get("reason", "") for i in not_implemented]})]

