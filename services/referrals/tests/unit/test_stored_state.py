"""Cases stored before the aggregates were typed (plain dicts of ISO dates) still read, carry on
along their pathway, and are written back in the same shape (every stored key keeps its value)."""
from __future__ import annotations

from datetime import date
from typing import Any

from referrals.domain.child_case import ChildCase
from referrals.domain.sar_case import SarCase
from safeguard_shared.contracts.referrals import (
    FamilyLetterOwed,
    Recommendation,
    RecommendationsPublished,
    ReviewPublished,
)

# Written by the dict-based aggregates: a CSPR with its final report sent, and a commissioned SAR
# that was delayed and resumed.
OLD_CHILD = {
    "case_id": "c1", "case_ref": "RR-2026-C1", "referring_agency": "police", "received_on": "2026-12-21",
    "became_aware_on": "2026-12-21", "rapid_review": True, "involved_agencies": ["icb", "local_authority", "police",
                                                                                "school"],
    "stage": "decided", "meeting_window": ["2027-01-04", "2027-01-12"], "scoping_agencies": ["police", "school"],
    "scoping_requested_on": "2026-12-22", "meeting_on": "2027-01-13", "meeting_outside_window_reason": "chair away",
    "scoping_returns": {"school": {"returned_on": "2026-12-23", "records_secured": True, "no_information_held": False,
                                   "involvement": "taught"}},
    "attendance": [{"agency": a, "name": a, "role": "rep"} for a in ("local_authority", "police", "icb")],
    "meeting_held_on": "2027-01-13",
    "decision": {"decision": "cspr", "safety_actions": ["plan"], "learning": ["l"], "rationale": "r",
                 "decided_on": "2027-01-13", "recorded_on": "2027-01-13"},
    "panel_response": {"response": "endorsed", "details": "", "received_on": "2027-01-20"},
    "cspr": {"reviewers": {"reviewers": ["R. One"], "recorded_on": "2027-02-01"},
             "terms": {"methodology": "m", "terms_of_reference": "t", "recorded_on": "2027-02-02"},
             "involvement": {"practitioners": "p", "family": "f", "recorded_on": "2027-02-03"},
             "drafts": [{"version": 1, "marking": "unpublished draft — strictly confidential", "added_on": "2027-03-01",
                         "text": "draft one"}],
             "final": {"planned_publication_on": "2027-07-01", "sent_on": "2027-06-01"}},
    "panel_notice": "sent"}

OLD_SAR = {
    "case_id": "s1", "case_ref": "SAR-2027-S1", "referring_agency": "icb", "received_on": "2027-01-05",
    "involved_agencies": ["housing", "police"], "criteria_met": "mandatory_died", "stage": "commissioned",
    "screening": {"business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "proceed_to_scoping",
                  "reasons": "r", "screened_on": "2027-01-06"},
    "scoping_agencies": ["police", "housing"],
    "scoping_returns": {"police": {"returned_on": "2027-01-20", "no_information_held": False}},
    "scoping_reviewed_on": "2027-02-01", "decision": {"convene": True, "decided_on": "2027-02-10", "reasons": "r"},
    "agreed_on": "2027-02-11", "family_notified": {"on": "2027-02-12", "by": "chair", "method": "letter"},
    "reviewers": {"names": ["R"], "commissioned_on": "2027-03-01"}, "imrs_requested": ["police"],
    "imrs": {"police": {"author_name": "A", "author_role": "m", "author_independent_of_case": True,
                        "chronology": "c", "review_of_records": "r", "interviews": "i", "submitted_on": "2027-04-01"}},
    "initial_meeting_on": "2027-03-20",
    "panel_meetings": [{"progress": "p", "immediate_risks": "r", "learning_to_share": "l", "guidance_to_reviewer": "g",
                        "drafts_reviewed": "d", "communications": "c", "held_on": "2027-04-05"}],
    "milestones": {"family_notified": "2027-02-12", "reviewers_commissioned": "2027-03-01",
                   "initial_meeting_held": "2027-03-20", "panel_meeting_held": "2027-04-05"},
    "board_sign_off": None,
    "delay": {"reason": "court", "since": "2027-05-01", "expected_sign_off_on": "2027-12-01",
              "resumed_on": "2027-06-15"},
    "delay_updates": [{"on": "2027-05-29", "update": "still waiting"}], "findings": None,
    "family_contact": {"name": "B. Son", "relationship": "son", "channel": "email", "email": "b@example.org",
                       "postal_address": None, "restriction": None}}


def kept(old: Any, new: Any) -> bool:
    """Every key the old state had is still there with the same value (new keys may be added)."""
    if isinstance(old, dict):
        return isinstance(new, dict) and all(k in new and kept(v, new[k]) for k, v in old.items())
    return old == new


def test_a_cspr_stored_as_a_dict_reads_with_its_dates_and_is_written_back_in_the_same_shape():
    case = ChildCase.from_state(OLD_CHILD)
    assert case.meeting_window == (date(2027, 1, 4), date(2027, 1, 12))
    assert case.decision is not None and case.decision.decided_on == date(2027, 1, 13)
    assert case.cspr.final is not None and case.cspr.final.planned_publication_on == date(2027, 7, 1)
    assert case.scoping_returns["school"].returned_on == date(2026, 12, 23) and case.quorate
    assert kept(OLD_CHILD, case.to_state())
    assert ChildCase.from_state(case.to_state()) == case


def test_a_cspr_stored_as_a_dict_carries_on_to_publication():
    case = ChildCase.from_state(OLD_CHILD)
    owed = case.publish(published_on=date(2027, 7, 1), in_full=True, reasons_not_in_full=None, recommendations=[],
                        today=date(2027, 7, 1))
    assert case.stage == "published"
    assert any(isinstance(e, ReviewPublished) and e.in_full for e in owed)
    assert not any(isinstance(e, RecommendationsPublished) for e in owed)  # none were made


def test_published_recommendations_name_their_case_by_reference_for_the_action_plan():
    recommendation = Recommendation(recommendation_id="R1", text="Share DA notifications", owning_agency="police")
    owed = ChildCase.from_state(OLD_CHILD).publish(published_on=date(2027, 7, 1), in_full=True,
                                                  reasons_not_in_full=None, recommendations=[recommendation],
                                                  today=date(2027, 7, 1))
    [published] = [e for e in owed if isinstance(e, RecommendationsPublished)]
    assert published.case_ref == "RR-2026-C1"


def test_a_sar_stored_as_a_dict_reads_with_its_dates_and_carries_on():
    sar = SarCase.from_state(OLD_SAR)
    assert sar.milestones["panel_meeting_held"] == date(2027, 4, 5)
    assert sar.delay is not None and sar.delay.resumed_on == date(2027, 6, 15) and not sar.delayed
    assert sar.imrs["police"].submitted_on == date(2027, 4, 1)
    assert kept(OLD_SAR, sar.to_state())
    assert SarCase.from_state(sar.to_state()) == sar
    [_, letter] = sar.delay_review(reason="inquest", reason_code="coroners_inquest", expected_sign_off_on=None,
                                   today=date(2027, 7, 1))
    # The letter is recorded with the contact stored before family letters were numbered; the event names it.
    assert isinstance(letter, FamilyLetterOwed) and letter.letter_no == 1
    recorded = sar.family_letter(1)
    assert recorded is not None and recorded.recipient.name == "B. Son" and recorded.letter == "delay"
