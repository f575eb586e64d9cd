"""The children's pathway as a state machine: rapid review, then a CSPR, an alternative learning
review, or no review. No I/O: each step checks the rules, changes the state and returns the events
it owes (contract events); the application stores both in one unit of work.

The framework's order: initial scoping (templates to every involved agency, meeting date set in its
window) → scoping returns → rapid review meeting (quorate only with the local authority, police and
ICB) → decision → outcome to the national Panel → the Panel's response → for a CSPR: reviewers,
terms of reference, involvement, drafts, final report to the Panel and the Secretary of State,
publication, recommendations.
"""
from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field

from safeguard_shared.contracts import Event
from safeguard_shared.contracts.referrals import (
    FinalReportReady,
    MeetingRebooked,
    MilestoneReached,
    PanelNotificationConfirmed,
    PanelResponded,
    RapidReviewAttendance,
    RapidReviewDecided,
    Recommendation,
    RecommendationsPublished,
    ReviewPublished,
    ScopingRequested,
)
from safeguard_shared.partnership import STATUTORY_PARTNERS

from .dates import as_people_write
from .errors import OutOfOrder, RuleBroken
from .state import Aggregate, Value

__all__ = ["ChildCase", "OutOfOrder", "RuleBroken"]

Decision = Literal["cspr", "alternative_review", "no_review"]
PanelResponse = Literal["endorsed", "challenged", "accepted_as_completed_review"]
DECISIONS: tuple[Decision, ...] = ("cspr", "alternative_review", "no_review")
DRAFT_MARKING = "unpublished draft — strictly confidential"


class ScopingReturn(Value):
    returned_on: date
    records_secured: bool
    no_information_held: bool
    involvement: str


class Attendee(Value):
    agency: str
    name: str
    role: str


class RapidReviewDecision(Value):
    decision: Decision
    safety_actions: list[str]
    learning: list[str]
    rationale: str
    decided_on: date
    recorded_on: date


class PanelResponseRecord(Value):
    response: PanelResponse
    details: str
    received_on: date


class Reviewers(Value):
    reviewers: list[str]
    recorded_on: date


class Terms(Value):
    methodology: str
    terms_of_reference: str
    recorded_on: date


class Involvement(Value):
    practitioners: str
    family: str
    recorded_on: date


class Draft(Value):
    version: int
    marking: str
    added_on: date
    text: str


class FinalReport(Value):
    planned_publication_on: date
    sent_on: date


class Cspr(Value):
    """The child safeguarding practice review, once decided; every part is recorded in its order."""

    reviewers: Reviewers | None = None
    terms: Terms | None = None
    involvement: Involvement | None = None
    drafts: list[Draft] = Field(default_factory=list)
    final: FinalReport | None = None
    published_on: date | None = None
    in_full: bool | None = None
    reasons_not_in_full: str | None = None
    recommendations: list[Recommendation] | None = None

    @property
    def started(self) -> bool:
        return bool(self.model_dump(exclude_defaults=True))


class ChildCase(Aggregate):
    case_id: str
    case_ref: str
    referring_agency: str
    received_on: date
    became_aware_on: date
    rapid_review: bool
    involved_agencies: list[str]
    stage: str = "received"
    meeting_window: tuple[date, date] | None = None  # learnt from the clock's rr.meeting deadline
    # The date by which the rapid review should be complete, and that duty in the rules' own words,
    # learnt from the clock's rr.complete deadline (README, "The meeting and the 15-day date").
    complete_by: date | None = None
    complete_duty: str | None = None
    # Plain-words warnings given when scoping was requested (a meeting after complete_by).
    scoping_warnings: list[str] = Field(default_factory=list)
    scoping_agencies: list[str] = Field(default_factory=list)
    scoping_requested_on: date | None = None
    meeting_on: date | None = None
    meeting_outside_window_reason: str | None = None
    meeting_time: time | None = None  # its start (Europe/London), when booked
    meeting_place: str | None = None  # a room, or its online link
    meeting_booking: int = 0  # how many times the meeting was re-booked (its calendar SEQUENCE)
    scoping_returns: dict[str, ScopingReturn] = Field(default_factory=dict)
    attendance: list[Attendee] = Field(default_factory=list)
    meeting_held_on: date | None = None
    meeting_held_reason: str | None = None  # why it was held before its window or not on the date booked
    decision: RapidReviewDecision | None = None
    panel_response: PanelResponseRecord | None = None
    cspr: Cspr = Field(default_factory=Cspr)
    panel_notice: Literal["not_owed", "awaiting_confirmation", "sent"] = "not_owed"

    # --- steps ------------------------------------------------------------------------------------
    def _require_rapid_review(self) -> None:
        if not self.rapid_review:
            raise OutOfOrder("only a notified serious incident leads to a rapid review")

    def confirm_panel_notification(self, *, today: date) -> list[Event]:
        """The local authority confirms the serious incident notification to the national Panel."""
        if self.panel_notice != "awaiting_confirmation":
            raise OutOfOrder("there is no Panel notification awaiting the local authority's confirmation"
                             if self.panel_notice == "not_owed" else "the Panel notification has already gone")
        self.panel_notice = "sent"
        return [PanelNotificationConfirmed(case_id=self.case_id, case_ref=self.case_ref,
                                           referring_agency=self.referring_agency, received_on=self.received_on,
                                           became_aware_on=self.became_aware_on,
                                           involved_agencies=self.involved_agencies)]

    def learn_meeting_window(self, start: date, end: date) -> None:
        self.meeting_window = (start, end)

    def learn_completion_date(self, due: date | None, duty: str | None) -> None:
        self.complete_by, self.complete_duty = due, duty

    def _completion_warnings(self, meeting_on: date) -> list[str]:
        """The meeting set after the date by which the rapid review should be complete: allowed (the
        meeting's own window is the rule that refuses), but the business unit is told in plain words."""
        if self.complete_by is None or meeting_on <= self.complete_by:
            return []
        duty = self.complete_duty or "the rapid review is completed"
        warning = (f"The rapid review meeting on {as_people_write(meeting_on)} is after "
                   f"{as_people_write(self.complete_by)}, the date by which {duty}: the completed rapid review "
                   "cannot reach the national Panel in time.")
        if self.meeting_window is not None and self.meeting_window[0] > self.complete_by:
            warning += (f" Even the meeting's window opens after it (on {as_people_write(self.meeting_window[0])}),"
                        " so record the reason the review will be late.")
        else:
            warning += f" Bring the meeting forward to {as_people_write(self.complete_by)} or earlier if you can."
        return [warning]

    def request_scoping(self, *, agencies: list[str], meeting_on: date, today: date,
                        outside_window_reason: str | None, meeting_time: time | None = None,
                        meeting_place: str | None = None) -> list[Event]:
        """The business unit confirms the involved agencies; the scoping template, letter and
        records-securing request go to each, and the meeting date is set in its window."""
        self._require_rapid_review()
        if self.stage != "received":
            raise OutOfOrder(f"scoping was already requested on {self.scoping_requested_on}")
        self._book(meeting_on=meeting_on, today=today, outside_window_reason=outside_window_reason,
                   meeting_time=meeting_time, meeting_place=meeting_place)
        assert self.meeting_window is not None
        start, end = self.meeting_window
        self.scoping_agencies = list(agencies)
        self.involved_agencies = sorted(set(self.involved_agencies) | set(agencies))
        self.scoping_requested_on = today
        self.stage = "scoping"
        return [ScopingRequested(case_id=self.case_id, case_ref=self.case_ref, referring_agency=self.referring_agency,
                                 agencies=list(agencies), meeting_on=meeting_on, window_start=start, window_end=end,
                                 outside_window=self.meeting_outside_window_reason is not None,
                                 meeting_time=meeting_time, meeting_place=meeting_place,
                                 complete_by=self.complete_by if self.scoping_warnings else None)]

    def rebook_meeting(self, *, meeting_on: date, today: date, outside_window_reason: str | None,
                       meeting_time: time | None = None, meeting_place: str | None = None) -> list[Event]:
        """The meeting moved (another date, time or place) before it is held: the same rules as when it
        was first set, and every agency asked for scoping is invited again to the same calendar event."""
        self._require_rapid_review()
        if self.stage != "scoping":
            raise OutOfOrder("a meeting is re-booked after scoping is requested and before it is held"
                             if self.stage == "received" else "the meeting has been held; record a reconvened "
                             "meeting's date with meeting/held")
        if (meeting_on, meeting_time, meeting_place) == (self.meeting_on, self.meeting_time, self.meeting_place):
            raise OutOfOrder("the meeting is already booked for that date, time and place")
        self._book(meeting_on=meeting_on, today=today, outside_window_reason=outside_window_reason,
                   meeting_time=meeting_time, meeting_place=meeting_place)
        assert self.meeting_window is not None
        self.meeting_booking += 1
        start, end = self.meeting_window
        return [MeetingRebooked(case_id=self.case_id, case_ref=self.case_ref, agencies=list(self.scoping_agencies),
                                booking=self.meeting_booking, meeting_on=meeting_on, window_start=start,
                                window_end=end, outside_window=self.meeting_outside_window_reason is not None,
                                meeting_time=meeting_time, meeting_place=meeting_place,
                                complete_by=self.complete_by if self.scoping_warnings else None)]

    def _book(self, *, meeting_on: date, today: date, outside_window_reason: str | None,
              meeting_time: time | None, meeting_place: str | None) -> None:
        """The meeting set in its window (or with the reason it cannot be), with its warnings."""
        if self.meeting_window is None:
            raise OutOfOrder("the meeting window is not known yet (the clock is still counting it); try again shortly")
        if meeting_on < today:
            raise RuleBroken(["body", "meeting_on"], "the meeting cannot be set in the past")
        start, end = self.meeting_window
        inside = start <= meeting_on <= end
        reason = (outside_window_reason or "").strip()
        if not inside and not reason:
            raise RuleBroken(["body", "outside_window_reason"],
                             f"the meeting must be between {start.isoformat()} and {end.isoformat()} "
                             "(7 to 13 working days after the referral was received), or give the reason it cannot be")
        self.meeting_on = meeting_on
        self.meeting_outside_window_reason = None if inside else reason
        self.meeting_time, self.meeting_place = meeting_time, meeting_place
        self.scoping_warnings = self._completion_warnings(meeting_on)

    def return_scoping(self, *, agency: str, returned_on: date, records_secured: bool,
                       no_information_held: bool, involvement: str | None) -> list[Event]:
        self._require_rapid_review()
        if self.stage == "received":
            raise OutOfOrder("scoping has not been requested yet")
        if agency not in self.scoping_agencies:
            raise OutOfOrder(f"{agency} was not asked for scoping on this case")
        if agency in self.scoping_returns:
            raise OutOfOrder(f"{agency} already returned its scoping on {self.scoping_returns[agency].returned_on}")
        if not no_information_held and not (involvement and involvement.strip()):
            raise RuleBroken(["body", "involvement"],
                             "describe the agency's involvement, or state no_information_held")
        self.scoping_returns[agency] = ScopingReturn(returned_on=returned_on, records_secured=records_secured,
                                                     no_information_held=no_information_held,
                                                     involvement=(involvement or "").strip())
        return [MilestoneReached(case_id=self.case_id, fact="scoping_returned", on=returned_on, agency=agency)]

    def record_attendance(self, *, attendees: list[Attendee]) -> list[Event]:
        """Who attended; it may be corrected until the decision (e.g. a representative left off)."""
        self._require_rapid_review()
        if self.stage == "received":
            raise OutOfOrder("set the meeting (request scoping) before recording who attends it")
        if self.stage not in ("scoping", "meeting_held"):
            raise OutOfOrder("the meeting has decided; its attendance can no longer change")
        self.attendance = [a.model_copy() for a in attendees]
        return []

    @property
    def quorate(self) -> bool:
        return not self.missing_partners

    @property
    def missing_partners(self) -> list[str]:
        present = {a.agency for a in self.attendance}
        return [p for p in STATUTORY_PARTNERS if p not in present]

    def hold_meeting(self, *, held_on: date, today: date, reason: str | None = None) -> list[Event]:
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
        why = (reason or "").strip()
        booked = self.meeting_on
        early = self.meeting_window is not None and held_on < self.meeting_window[0]
        if (early or (booked is not None and held_on != booked)) and not why:
            what = (f"before its window opens on {as_people_write(self.meeting_window[0])}"
                    if early and self.meeting_window else "")
            if booked is not None and held_on != booked:
                what += (" and " if what else "") + f"on a date other than the one booked ({as_people_write(booked)})"
            raise RuleBroken(["body", "reason"], f"the meeting is recorded as held on {as_people_write(held_on)}, "
                                                 f"{what}: give the reason")
        self.meeting_held_on = held_on
        self.meeting_held_reason = why or None
        self.stage = "meeting_held"
        return [MilestoneReached(case_id=self.case_id, fact="meeting_held", on=held_on)]

    def decide(self, *, decision: str, safety_actions: list[str], learning: list[str], rationale: str,
               today: date) -> list[Event]:
        self._require_rapid_review()
        if self.stage != "meeting_held" or self.meeting_held_on is None:
            raise OutOfOrder("a decision is recorded at the rapid review meeting, after it is held")
        if not self.quorate:
            raise OutOfOrder("the meeting was not quorate: no representative of "
                             + ", ".join(p.replace("_", " ") for p in self.missing_partners)
                             + "; no decision can be recorded. Correct the attendance, or reconvene the "
                               "meeting and record the new date (meeting/held)")
        chosen = next((d for d in DECISIONS if d == decision), None)
        if chosen is None:
            raise RuleBroken(["body", "decision"], f"one of {', '.join(DECISIONS)}")
        held_on = self.meeting_held_on
        self.decision = RapidReviewDecision(decision=chosen, safety_actions=safety_actions, learning=learning,
                                            rationale=rationale, decided_on=held_on, recorded_on=today)
        self.stage = "decided"
        owed: list[Event] = [
            MilestoneReached(case_id=self.case_id, fact="rapid_review_completed", on=held_on),
            RapidReviewDecided(case_id=self.case_id, case_ref=self.case_ref, referring_agency=self.referring_agency,
                               agencies=self.involved_agencies, decision=chosen, decided_on=held_on,
                               safety_actions=len(safety_actions), learning=len(learning),
                               # Who attended, by agency and role (names stay in this store).
                               attended=[RapidReviewAttendance(agency=a.agency, role=a.role)
                                         for a in self.attendance])]
        if chosen == "cspr":
            owed.append(MilestoneReached(case_id=self.case_id, fact="cspr_decided", on=held_on, anchor="decision_on"))
        return owed

    def record_panel_response(self, *, response: PanelResponse, details: str | None,
                              received_on: date) -> list[Event]:
        if (self.stage != "decided" and not self.cspr.started) or self.decision is None:
            raise OutOfOrder("the Panel responds to a completed rapid review")
        if response == "challenged" and not (details and details.strip()):
            raise RuleBroken(["body", "details"], "record what the Panel asked when it challenges the decision")
        self.panel_response = PanelResponseRecord(response=response, details=(details or "").strip(),
                                                  received_on=received_on)
        return [PanelResponded(case_id=self.case_id, response=response)]

    # --- CSPR ----------------------------------------------------------------------------------
    def _require_cspr(self) -> None:
        if not self.decision or self.decision.decision != "cspr":
            raise OutOfOrder("this step belongs to a child safeguarding practice review, which was not decided")
        if self.cspr.published_on:
            raise OutOfOrder("the review is already published")

    def _in_order(self, step: str) -> None:
        # reviewers, then terms, then involvement; each may be recorded again to correct it.
        order = ("reviewers", "terms", "involvement")
        for earlier in order[: order.index(step)]:
            if getattr(self.cspr, earlier) is None:
                raise OutOfOrder(f"record the {earlier} before the {step}")

    def commission_reviewers(self, *, reviewers: list[str], today: date) -> list[Event]:
        self._require_cspr()
        self.cspr.reviewers = Reviewers(reviewers=reviewers, recorded_on=today)
        return []

    def agree_terms(self, *, methodology: str, terms_of_reference: str, today: date) -> list[Event]:
        self._require_cspr()
        self._in_order("terms")
        self.cspr.terms = Terms(methodology=methodology, terms_of_reference=terms_of_reference, recorded_on=today)
        return []

    def record_involvement(self, *, practitioners: str, family: str, today: date) -> list[Event]:
        self._require_cspr()
        self._in_order("involvement")
        self.cspr.involvement = Involvement(practitioners=practitioners, family=family, recorded_on=today)
        return []

    def add_draft(self, *, text: str, today: date) -> list[Event]:
        self._require_cspr()
        if self.cspr.terms is None:
            raise OutOfOrder("agree the methodology and terms of reference before drafts")
        self.cspr.drafts.append(Draft(version=len(self.cspr.drafts) + 1, marking=DRAFT_MARKING, added_on=today,
                                      text=text))
        return []

    def send_final_report(self, *, planned_publication_on: date, today: date) -> list[Event]:
        self._require_cspr()
        if not self.cspr.drafts:
            raise OutOfOrder("there is no draft report to finalise")
        if planned_publication_on <= today:
            raise RuleBroken(["body", "planned_publication_on"], "publication must be planned after today")
        self.cspr.final = FinalReport(planned_publication_on=planned_publication_on, sent_on=today)
        return [MilestoneReached(case_id=self.case_id, fact="publication_planned", on=planned_publication_on,
                                 anchor="planned_publication_on"),
                FinalReportReady(case_id=self.case_id, case_ref=self.case_ref, pathway="child",
                                 planned_publication_on=planned_publication_on)]

    def publish(self, *, published_on: date, in_full: bool, reasons_not_in_full: str | None,
                recommendations: list[Recommendation], today: date) -> list[Event]:
        self._require_cspr()
        if self.cspr.final is None:
            raise OutOfOrder("the final report goes to the Panel and the Secretary of State before publication")
        if published_on > today:
            raise RuleBroken(["body", "published_on"], "record publication once it has happened")
        if not in_full and not (reasons_not_in_full and reasons_not_in_full.strip()):
            raise RuleBroken(["body", "reasons_not_in_full"],
                             "reports are published in full as far as possible: give the reasons why not")
        self.cspr.published_on = published_on
        self.cspr.in_full = in_full
        self.cspr.reasons_not_in_full = (reasons_not_in_full or "").strip() or None
        self.cspr.recommendations = list(recommendations)
        self.stage = "published"
        owed: list[Event] = [
            MilestoneReached(case_id=self.case_id, fact="cspr_published", on=published_on),
            ReviewPublished(case_id=self.case_id, pathway="child", published_on=published_on, in_full=in_full)]
        if recommendations:
            owed.append(RecommendationsPublished(case_id=self.case_id, case_ref=self.case_ref, pathway="child",
                                                 recommendations=list(recommendations)))
        return owed
