"""The adults' pathway as a state machine: a safeguarding adult review from referral to learning
event. No I/O: each step checks the framework's rules, changes the state and returns the events it
owes (contract events); the application stores both in one unit of work.

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

from collections.abc import Mapping
from datetime import date
from typing import Literal

from pydantic import Field

from safeguard_shared.contracts import Event
from safeguard_shared.contracts.referrals import (
    DelayReason,
    FamilyContact,
    FamilyLetter,
    FamilyLetterAwaitingContact,
    FamilyLetterOwed,
    FindingsRecorded,
    MilestoneReached,
    OtherStep,
    Recommendation,
    RecommendationsPublished,
    ReviewPublished,
    SarDecided,
    SarDelayChanged,
    SarScreened,
    family_recipient_kind,
)

from .errors import NotTheChair, OutOfOrder, RuleBroken
from .state import Aggregate, Value

ScreeningOutcome = Literal["proceed_to_scoping", "not_proceeding"]
Basis = Literal["mandatory", "discretionary", "criteria_not_met"]

STAGES = ("returned", "received", "screened", "scoping", "scoping_reviewed", "not_convene_recommended", "decided",
          "not_convened",
          "commissioned", "signed_off", "published", "learning_event_held")


def care_act_criteria(criteria: Mapping[str, object]) -> str | None:
    """Which Care Act s44 duty the referral meets: mandatory (died / alive), discretionary, or None."""
    suspected = criteria.get("abuse_or_neglect") in ("known", "suspected")
    if criteria.get("died") and suspected and criteria.get("concern_agencies_could_have_worked_better"):
        return "mandatory_died"
    if not criteria.get("died") and suspected:
        return "mandatory_alive"
    if criteria.get("discretionary"):
        return "discretionary"
    return None


def s44_basis(criteria_met: str | None) -> Basis:
    """The basis a SAR decision rests on: the s44 duty, the board's discretion, or neither."""
    if criteria_met in ("mandatory_died", "mandatory_alive"):
        return "mandatory"
    return "discretionary" if criteria_met == "discretionary" else "criteria_not_met"


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


class Screening(Value):
    business_manager_agrees: bool
    panel_chair_agrees: bool
    outcome: ScreeningOutcome
    reasons: str
    screened_on: date
    mandatory_override_reason: str | None = None


class SarScopingReturn(Value):
    returned_on: date
    no_information_held: bool


class SarDecision(Value):
    """The sub-group's decision: a recommendation the independent chair reviews."""

    convene: bool
    decided_on: date
    reasons: str
    other_steps: list[OtherStep] = Field(default_factory=list)
    other_steps_detail: str = ""


class ChairReview(Value):
    """The independent chair's review of the sub-group's decision: confirmed, or overturned."""

    confirmed: bool
    on: date
    reasons: str = ""
    convene: bool  # the outcome, final
    other_steps: list[OtherStep] = Field(default_factory=list)
    other_steps_detail: str = ""
    mandatory_override_reason: str | None = None


class FamilyNotified(Value):
    on: date
    by: str
    method: str


class SarReviewers(Value):
    names: list[str]
    commissioned_on: date


class Imr(Value):
    """An individual management review, by a manager independent of the case."""

    author_name: str
    author_role: str
    author_independent_of_case: bool
    chronology: str = ""
    review_of_records: str = ""
    interviews: str = ""
    submitted_on: date | None = None


class PanelMeeting(Value):
    held_on: date
    progress: str
    immediate_risks: str
    learning_to_share: str
    guidance_to_reviewer: str
    drafts_reviewed: str
    communications: str


class BoardSignOff(Value):
    on: date
    publish: Literal["full", "summary"]


class Delay(Value):
    reason: str  # the business unit's words: kept here, never in an event
    since: date
    reason_code: DelayReason = "other"  # what the events carry (cases delayed before codes: "other")
    expected_sign_off_on: date | None = None
    resumed_on: date | None = None


class LetterAwaitingContact(Value):
    """A letter owed to the adult, the family or the advocate while no contact is recorded: it goes
    when the business unit records one."""

    letter: FamilyLetter
    owed_on: date
    reason_code: DelayReason | None = None
    update: str | None = None
    expected_sign_off_on: date | None = None


class FamilyLetterSent(Value):
    """A letter owed to the adult, the family or the advocate, as it is to be written: numbered in the
    case, with the contact and the words as they were when it was owed. The notifications service asks
    for it (by its number) each time it tries to send it, so it reads the same on every attempt; the
    event that owes it carries neither (docs/architecture.md, "Events carry ids, codes and dates")."""

    letter_no: int
    letter: FamilyLetter
    owed_on: date
    recipient: FamilyContact
    update: str | None = None


class DelayUpdate(Value):
    on: date
    update: str


class UnimplementedRecommendation(Value):
    recommendation: str
    reason: str = ""


class Findings(Value):
    findings: list[str]
    actions_taken: list[str]
    not_implemented: list[UnimplementedRecommendation]


class SarCase(Aggregate):
    case_id: str
    case_ref: str
    referring_agency: str
    received_on: date
    involved_agencies: list[str]
    criteria_met: str | None
    stage: str = "received"
    screening: Screening | None = None
    scoping_agencies: list[str] = Field(default_factory=list)
    scoping_returns: dict[str, SarScopingReturn] = Field(default_factory=dict)
    scoping_reviewed_on: date | None = None
    decision: SarDecision | None = None
    chair_review: ChairReview | None = None
    agreed_on: date | None = None
    family_notified: FamilyNotified | None = None
    reviewers: SarReviewers | None = None
    imrs_requested: list[str] = Field(default_factory=list)
    imrs: dict[str, Imr] = Field(default_factory=dict)
    initial_meeting_on: date | None = None
    panel_meetings: list[PanelMeeting] = Field(default_factory=list)
    milestones: dict[str, date] = Field(default_factory=dict)
    board_sign_off: BoardSignOff | None = None
    delay: Delay | None = None
    delay_updates: list[DelayUpdate] = Field(default_factory=list)
    findings: Findings | None = None
    # The adult, family member or advocate the partnership writes to (recorded by the business unit).
    family_contact: FamilyContact | None = None
    letters_awaiting_contact: list[LetterAwaitingContact] = Field(default_factory=list)
    # Every letter owed once a contact was recorded (FamilyLetterOwed names it by its number).
    family_letters: list[FamilyLetterSent] = Field(default_factory=list)

    @property
    def delayed(self) -> bool:
        return bool(self.delay and not self.delay.resumed_on)

    # --- helpers --------------------------------------------------------------------------------
    def _need(self, *stages: str, doing: str) -> None:
        if self.stage not in stages:
            raise OutOfOrder(f"{doing} comes when the SAR is {' or '.join(s.replace('_', ' ') for s in stages)}; "
                             f"it is {self.stage.replace('_', ' ')}")

    @staticmethod
    def _not_future(value: date, today: date, field_name: str) -> None:
        if value > today:
            raise RuleBroken(["body", field_name], "record it once it has happened (the date is in the future)")

    def _milestone(self, fact: str, on: date, anchor: str | None = None, agency: str | None = None) -> Event:
        return MilestoneReached(case_id=self.case_id, fact=fact, on=on, anchor=anchor, agency=agency)

    def _letter(self, letter: FamilyLetter, *, today: date, reason_code: DelayReason | None = None,
                update: str | None = None, expected_sign_off_on: date | None = None) -> list[Event]:
        """The letter owed; without a recorded contact it waits for one (never dropped), and the
        business unit is told it is owed."""
        if self.family_contact is None:
            self.letters_awaiting_contact.append(LetterAwaitingContact(
                letter=letter, owed_on=today, reason_code=reason_code, update=update,
                expected_sign_off_on=expected_sign_off_on))
            return [FamilyLetterAwaitingContact(case_id=self.case_id, case_ref=self.case_ref, letter=letter,
                                                owed_on=today)]
        contact = self.family_contact
        # Numbered in the order owed; a letter is never removed, so a number is never given twice.
        owed = FamilyLetterSent(letter_no=len(self.family_letters) + 1, letter=letter, owed_on=today,
                                recipient=contact, update=update)
        self.family_letters.append(owed)
        return [FamilyLetterOwed(case_id=self.case_id, case_ref=self.case_ref, letter=letter, letter_no=owed.letter_no,
                                 recipient_kind=family_recipient_kind(contact.relationship), channel=contact.channel,
                                 restricted=bool(contact.restriction),
                                 reason_code=reason_code, expected_sign_off_on=expected_sign_off_on)]

    def family_letter(self, letter_no: int) -> FamilyLetterSent | None:
        """The letter the case owed under that number, if any."""
        return next((owed for owed in self.family_letters if owed.letter_no == letter_no), None)

    @property
    def basis(self) -> Basis:
        return s44_basis(self.criteria_met)

    def _mandatory_override(self, reason: str | None, *, by_chair: bool, doing: str) -> str | None:
        """A SAR the s44 duty requires is not set aside without the independent chair's recorded reason."""
        why = (reason or "").strip() or None
        if self.basis != "mandatory":
            return why
        if why is None:
            raise RuleBroken(["body", "mandatory_override_reason"],
                             f"this referral meets the Care Act s44 mandatory criteria: {doing} needs the "
                             "independent chair's explicit override, with the reason")
        if not by_chair:
            raise NotTheChair("only the independent chair may override the Care Act s44 duty to arrange a SAR")
        return why

    # --- screening and scoping -------------------------------------------------------------------
    def screen(self, *, business_manager_agrees: bool, panel_chair_agrees: bool, outcome: ScreeningOutcome,
               reasons: str, today: date, mandatory_override_reason: str | None = None,
               by_chair: bool = False) -> list[Event]:
        self._need("received", doing="screening")
        if outcome == "proceed_to_scoping" and not (business_manager_agrees and panel_chair_agrees):
            raise RuleBroken(["body", "outcome"], "the business manager and the SAR panel chair both screen the "
                                                  "referral before it goes to scoping")
        override = (self._mandatory_override(mandatory_override_reason, by_chair=by_chair,
                                             doing="screening it out") if outcome == "not_proceeding" else None)
        self.screening = Screening(business_manager_agrees=business_manager_agrees,
                                   panel_chair_agrees=panel_chair_agrees, outcome=outcome, reasons=reasons,
                                   screened_on=today, mandatory_override_reason=override)
        self.stage = "screened" if outcome == "proceed_to_scoping" else "not_convened"
        return [SarScreened(case_id=self.case_id, case_ref=self.case_ref, referring_agency=self.referring_agency,
                            outcome=outcome, basis=self.basis,
                            mandatory_override=bool(override) if self.basis == "mandatory" else None)]

    def sign_off_for_scoping(self, *, agencies: list[str], today: date) -> list[Event]:
        self._need("screened", doing="the independent chair's sign-off for scoping")
        self.scoping_agencies = list(agencies)
        self.involved_agencies = sorted(set(self.involved_agencies) | set(agencies))
        self.stage = "scoping"
        return [self._milestone("scoping_requested", today, anchor="scoping_requested_on", agency=a) for a in agencies]

    def return_scoping(self, *, agency: str, returned_on: date, information: str | None,
                       no_information_held: bool) -> list[Event]:
        self._need("scoping", doing="a scoping return")
        if agency not in self.scoping_agencies:
            raise OutOfOrder(f"{agency} was not asked for scoping on this SAR")
        if agency in self.scoping_returns:
            raise OutOfOrder(f"{agency} already returned its scoping")
        if not no_information_held and not (information and information.strip()):
            raise RuleBroken(["body", "information"], "give the agency's information, or state no_information_held")
        self.scoping_returns[agency] = SarScopingReturn(returned_on=returned_on,
                                                        no_information_held=no_information_held)
        return [self._milestone("scoping_returned", returned_on, agency=agency)]

    def review_scoping(self, *, reviewed_on: date, today: date) -> list[Event]:
        self._need("scoping", doing="the scoping review")
        self._not_future(reviewed_on, today, "reviewed_on")
        self.scoping_reviewed_on = reviewed_on
        self.stage = "scoping_reviewed"
        return [self._milestone("scoping_reviewed", reviewed_on, anchor="scoping_reviewed_on")]

    def decide(self, *, convene: bool, decided_on: date, reasons: str, today: date,
               other_steps: list[OtherStep] | None = None, other_steps_detail: str = "") -> list[Event]:
        """The sub-group's decision whether to convene a SAR. It meets the sub-group's clock; it is a
        recommendation the independent chair reviews (``review_decision``, or ``agree`` for a SAR)."""
        self._need("scoping_reviewed", doing="the decision whether to convene a SAR")
        self._not_future(decided_on, today, "decided_on")
        steps = [] if convene else self._other_steps(other_steps, "a recommendation not to convene a SAR")
        self.decision = SarDecision(convene=convene, decided_on=decided_on, reasons=reasons, other_steps=steps,
                                    other_steps_detail="" if convene else other_steps_detail.strip())
        self.stage = "decided" if convene else "not_convene_recommended"
        return [self._milestone("sar_decision_made", decided_on)]

    @staticmethod
    def _other_steps(steps: list[OtherStep] | None, what: str) -> list[OtherStep]:
        if not steps:
            raise RuleBroken(["body", "other_steps"], f"{what} names the other steps taken instead of a SAR")
        return list(dict.fromkeys(steps))

    def review_decision(self, *, confirmed: bool, on: date, today: date, reasons: str = "",
                        other_steps: list[OtherStep] | None = None, other_steps_detail: str = "",
                        mandatory_override_reason: str | None = None, by_chair: bool = False) -> list[Event]:
        """The independent chair confirms or overturns the sub-group's decision. Not convening is
        final here, and the referrer is told (``SarDecided``); a SAR to convene is final when the chair
        agrees it (``agree``), which commissions it."""
        self._need("not_convene_recommended", "decided", doing="the independent chair's review of the decision")
        if self.decision is None or self.chair_review is not None:
            raise OutOfOrder("the independent chair has already reviewed this decision")
        self._not_future(on, today, "on")
        if on < self.decision.decided_on:
            raise RuleBroken(["body", "on"], "the chair reviews the decision after the sub-group made it")
        convene = self.decision.convene == confirmed
        if self.decision.convene and confirmed:
            raise OutOfOrder("the independent chair confirms a decision to convene a SAR by agreeing it "
                             "(sar/agreement), which commissions it")
        steps: list[OtherStep] = []
        detail = ""
        override = None
        if not convene:
            steps = (list(dict.fromkeys(other_steps)) if other_steps else
                     self.decision.other_steps if confirmed else
                     self._other_steps(other_steps, "overturning a decision to convene a SAR"))
            detail = other_steps_detail.strip() or (self.decision.other_steps_detail if confirmed else "")
            override = self._mandatory_override(mandatory_override_reason, by_chair=by_chair,
                                                doing="not convening a SAR")
        self.chair_review = ChairReview(confirmed=confirmed, on=on, reasons=reasons.strip(), convene=convene,
                                        other_steps=steps, other_steps_detail=detail,
                                        mandatory_override_reason=override)
        if convene:
            self.stage = "decided"  # the chair agrees it next (sar/agreement), which commissions it
            return []
        self.stage = "not_convened"
        return [self._decided(convene=False)]

    def _decided(self, *, convene: bool) -> SarDecided:
        assert self.decision is not None
        review = self.chair_review
        return SarDecided(
            case_id=self.case_id, case_ref=self.case_ref, referring_agency=self.referring_agency, convene=convene,
            decided_on=self.decision.decided_on, confirmed_by_chair=review.confirmed if review else True,
            chair_reviewed_on=review.on if review else self.agreed_on,
            other_steps=review.other_steps if review else [], basis=self.basis,
            mandatory_override=(bool(review and review.mandatory_override_reason)
                                if self.basis == "mandatory" else None))

    def agree(self, *, agreed_on: date, today: date) -> list[Event]:
        """The independent chair agrees the SAR; agreeing it commissions it, and makes the decision to
        convene final (the referrer is told)."""
        self._need("decided", doing="the chair's agreement")
        self._not_future(agreed_on, today, "agreed_on")
        self.agreed_on = agreed_on
        self.stage = "commissioned"
        return [self._decided(convene=True),
                self._milestone("sar_agreed", agreed_on, anchor="agreed_on"),
                self._milestone("sar_commissioned", agreed_on, anchor="commissioned_on")]

    # --- the review --------------------------------------------------------------------------------
    def _review_step(self, fact: str, on: date, today: date, field_name: str, anchor: str | None = None) -> list[Event]:
        self._need("commissioned", "signed_off", doing=fact.replace("_", " "))
        self._not_future(on, today, field_name)
        self.milestones[fact] = on
        return [self._milestone(fact, on, anchor=anchor)]

    def tell_family(self, *, notified_on: date, by: str, method: str, today: date) -> list[Event]:
        owed = self._review_step("family_notified", notified_on, today, "notified_on")
        self.family_notified = FamilyNotified(on=notified_on, by=by, method=method)
        return owed + self._letter("family_told_of_commission", today=today)

    def commission_reviewers(self, *, reviewers: list[str], commissioned_on: date, today: date) -> list[Event]:
        owed = self._review_step("reviewers_commissioned", commissioned_on, today, "commissioned_on",
                                 anchor="reviewers_commissioned_on")
        self.reviewers = SarReviewers(names=reviewers, commissioned_on=commissioned_on)
        return owed

    def hold_initial_meeting(self, *, held_on: date, today: date) -> list[Event]:
        if not self.reviewers:
            raise OutOfOrder("the initial scoping meeting is held by the reviewers and the SAR panel: commission "
                             "the reviewers first")
        self.initial_meeting_on = held_on
        return self._review_step("initial_meeting_held", held_on, today, "held_on")

    def request_imrs(self, *, agencies: list[str]) -> list[Event]:
        self._need("commissioned", doing="requesting IMRs")
        self.imrs_requested = sorted(set(self.imrs_requested) | set(agencies))
        return []

    def submit_imr(self, *, agency: str, imr: Imr, today: date) -> list[Event]:
        self._need("commissioned", doing="an IMR")
        if agency not in self.imrs_requested:
            raise OutOfOrder(f"no IMR was requested from {agency}")
        problems = []
        if not imr.author_independent_of_case:
            problems.append(RuleBroken(["body", "author_independent_of_case"],
                                       "an IMR is written by a manager independent of the case"))
        for part in ("chronology", "review_of_records", "interviews"):
            if not str(getattr(imr, part)).strip():
                problems.append(RuleBroken(["body", part], f"the IMR needs its {part.replace('_', ' ')}"))
        if problems:
            raise ExceptionGroup("the IMR breaks the framework's rules", problems)
        self.imrs[agency] = imr.model_copy(update={"submitted_on": today})
        return []

    def hold_panel_meeting(self, *, meeting: PanelMeeting, today: date) -> list[Event]:
        owed = self._review_step("panel_meeting_held", meeting.held_on, today, "held_on")
        self.panel_meetings.append(meeting)
        return owed

    def present_draft(self, *, presented_on: date, today: date) -> list[Event]:
        return self._review_step("draft_report_presented", presented_on, today, "presented_on")

    def present_to_committee(self, *, held_on: date, today: date) -> list[Event]:
        if "draft_report_presented" not in self.milestones:
            raise OutOfOrder("the SAR committee sees the report after the draft has gone to the SAR panel")
        return self._review_step("committee_presentation_held", held_on, today, "held_on")

    def sign_off(self, *, signed_off_on: date, publish: Literal["full", "summary"], today: date) -> list[Event]:
        self._need("commissioned", doing="the board's sign-off")
        if "committee_presentation_held" not in self.milestones:
            raise OutOfOrder("the board signs off after the presentation to the SAR committee")
        self._not_future(signed_off_on, today, "signed_off_on")
        self.board_sign_off = BoardSignOff(on=signed_off_on, publish=publish)
        self.stage = "signed_off"
        return [self._milestone("signed_off", signed_off_on, anchor="signed_off_on")]

    def share_with_family(self, *, shared_on: date, today: date) -> list[Event]:
        self._need("signed_off", doing="sharing the report with the family")
        self._not_future(shared_on, today, "shared_on")
        self.milestones["report_shared_with_family"] = shared_on
        return [self._milestone("report_shared_with_family", shared_on),
                *self._letter("report_shared_with_family", today=today)]

    def publish(self, *, published_on: date, recommendations: list[Recommendation], today: date) -> list[Event]:
        self._need("signed_off", doing="publication")
        self._not_future(published_on, today, "published_on")
        in_full = bool(self.board_sign_off and self.board_sign_off.publish == "full")
        self.milestones["sar_published"] = published_on
        self.stage = "published"
        owed: list[Event] = [
            self._milestone("sar_published", published_on),
            ReviewPublished(case_id=self.case_id, pathway="adult", published_on=published_on, in_full=in_full)]
        if recommendations:
            owed.append(RecommendationsPublished(case_id=self.case_id, case_ref=self.case_ref, pathway="adult",
                                                 recommendations=list(recommendations)))
        return owed

    def hold_learning_event(self, *, held_on: date, today: date) -> list[Event]:
        self._need("published", doing="the learning event")
        self._not_future(held_on, today, "held_on")
        self.milestones["learning_event_held"] = held_on
        self.stage = "learning_event_held"
        return [self._milestone("learning_event_held", held_on)]

    # --- delay ------------------------------------------------------------------------------------
    def delay_review(self, *, reason: str, reason_code: DelayReason, expected_sign_off_on: date | None,
                     today: date) -> list[Event]:
        """The SAR will run past six months: the clock stops, and the adult or advocate is told why.
        The events carry the reason's code; the business unit's words stay in this case."""
        self._need("commissioned", doing="delaying the SAR")
        if self.delayed:
            raise OutOfOrder("the SAR is already delayed")
        self.delay = Delay(reason=reason, reason_code=reason_code, since=today,
                           expected_sign_off_on=expected_sign_off_on)
        return [SarDelayChanged(case_id=self.case_id, change="delayed", reason_code=reason_code),
                *self._letter("delay", today=today, reason_code=reason_code,
                              expected_sign_off_on=expected_sign_off_on)]

    def update_on_delay(self, *, update: str, today: date) -> list[Event]:
        if self.delay is None or self.delay.resumed_on:
            raise OutOfOrder("updates are sent while the SAR is delayed")
        self.delay_updates.append(DelayUpdate(on=today, update=update))
        return [self._milestone("delay_update_sent", today),
                *self._letter("delay_update", today=today, reason_code=self.delay.reason_code, update=update,
                              expected_sign_off_on=self.delay.expected_sign_off_on)]

    def resume(self, *, today: date) -> list[Event]:
        if self.delay is None or self.delay.resumed_on:
            raise OutOfOrder("the SAR is not delayed")
        self.delay.resumed_on = today
        return [SarDelayChanged(case_id=self.case_id, change="resumed", reason_code=self.delay.reason_code)]

    def record_family_contact(self, *, contact: FamilyContact) -> list[Event]:
        """Who the partnership writes to; the letters that waited for a contact go to them now."""
        self.family_contact = contact
        waiting, self.letters_awaiting_contact = self.letters_awaiting_contact, []
        return [event for owed in waiting for event in self._letter(
            owed.letter, today=owed.owed_on, reason_code=owed.reason_code, update=owed.update,
            expected_sign_off_on=owed.expected_sign_off_on)]

    # --- for the annual report ---------------------------------------------------------------------
    def record_findings(self, *, findings: list[str], actions_taken: list[str],
                        not_implemented: list[UnimplementedRecommendation]) -> list[Event]:
        self._need("signed_off", "published", "learning_event_held", doing="recording findings")
        for i, item in enumerate(not_implemented):
            if not item.reason.strip():
                raise RuleBroken(["body", "not_implemented", str(i), "reason"],
                                 "give the reason a recommendation was not implemented")
        self.findings = Findings(findings=findings, actions_taken=actions_taken, not_implemented=not_implemented)
        return [FindingsRecorded(case_id=self.case_id, pathway="adult", findings=len(findings),
                                 actions_taken=len(actions_taken),
                                 not_implemented_reasons=[i.reason for i in not_implemented])]
