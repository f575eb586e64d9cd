"""The pathways' rules, without a database or a broker: what each step demands and what it owes."""
from __future__ import annotations

from datetime import date, time

import pytest

from referrals.domain.child_case import Attendee, ChildCase, OutOfOrder, RuleBroken
from referrals.domain.sar_case import Imr, SarCase, care_act_criteria, reasons_incomplete
from safeguard_shared.contracts.referrals import (
    MeetingRebooked,
    MilestoneReached,
    RapidReviewDecided,
    ScopingRequested,
)


def a_rapid_review() -> ChildCase:
    case = ChildCase(case_id="c1", case_ref="RR-2026-C1", referring_agency="police", received_on=date(2026, 12, 21),
                     became_aware_on=date(2026, 12, 21), rapid_review=True,
                     involved_agencies=["local_authority", "police", "icb"])
    case.learn_meeting_window(date(2027, 1, 4), date(2027, 1, 12))
    return case


def test_the_meeting_date_must_fall_in_its_window_unless_a_reason_is_recorded():
    case = a_rapid_review()
    with pytest.raises(RuleBroken) as broken:
        case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 13), today=date(2026, 12, 22),
                             outside_window_reason=None)
    assert broken.value.loc == ["body", "outside_window_reason"]
    [owed] = case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 13), today=date(2026, 12, 22),
                                  outside_window_reason="chair unavailable")
    assert isinstance(owed, ScopingRequested) and owed.outside_window is True


def test_a_meeting_in_its_window_but_after_the_completion_date_is_allowed_with_a_warning_to_bring_it_forward():
    case = a_rapid_review()
    # Aware on 17 December, referred on 21 December: the rapid review should be complete by 7 January,
    # within the meeting's window (4 to 12 January), which the clock counts from receipt.
    case.learn_completion_date(date(2027, 1, 7), "the rapid review is completed")
    [owed] = case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 11), today=date(2026, 12, 22),
                                  outside_window_reason=None)
    assert case.scoping_warnings == [
        "The rapid review meeting on Monday 11 January 2027 is after Thursday 7 January 2027, the date by which "
        "the rapid review is completed: the completed rapid review cannot reach the national Panel in time. "
        "Bring the meeting forward to Thursday 7 January 2027 or earlier if you can."]
    assert isinstance(owed, ScopingRequested) and owed.complete_by == date(2027, 1, 7)


def test_a_meeting_on_the_completion_date_owes_no_warning():
    case = a_rapid_review()
    case.learn_completion_date(date(2027, 1, 7), "the rapid review is completed")
    [owed] = case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 7), today=date(2026, 12, 22),
                                  outside_window_reason=None)
    assert case.scoping_warnings == [] and isinstance(owed, ScopingRequested) and owed.complete_by is None


def test_a_meeting_is_rebooked_by_the_same_rules_before_it_is_held_and_each_booking_is_counted():
    case = a_rapid_review()
    with pytest.raises(OutOfOrder, match="after scoping is requested"):
        case.rebook_meeting(meeting_on=date(2027, 1, 6), today=date(2026, 12, 22), outside_window_reason=None)
    case.request_scoping(agencies=["police", "icb"], meeting_on=date(2027, 1, 5), today=date(2026, 12, 22),
                         outside_window_reason=None)
    with pytest.raises(OutOfOrder, match="already booked"):
        case.rebook_meeting(meeting_on=date(2027, 1, 5), today=date(2026, 12, 22), outside_window_reason=None)
    with pytest.raises(RuleBroken) as broken:
        case.rebook_meeting(meeting_on=date(2027, 1, 13), today=date(2026, 12, 22), outside_window_reason=" ")
    assert broken.value.loc == ["body", "outside_window_reason"] and case.meeting_on == date(2027, 1, 5)
    [owed] = case.rebook_meeting(meeting_on=date(2027, 1, 7), today=date(2026, 12, 23), outside_window_reason=None,
                                 meeting_time=time(9, 30), meeting_place="Room 4, Civic Centre")
    assert isinstance(owed, MeetingRebooked) and owed.booking == 1 and owed.agencies == ["police", "icb"]
    assert (owed.meeting_on, owed.meeting_time, owed.outside_window) == (date(2027, 1, 7), time(9, 30), False)
    [again] = case.rebook_meeting(meeting_on=date(2027, 1, 7), today=date(2026, 12, 23), outside_window_reason=None,
                                  meeting_time=time(14, 0), meeting_place="Room 4, Civic Centre")
    assert isinstance(again, MeetingRebooked) and again.booking == case.meeting_booking == 2
    case.hold_meeting(held_on=date(2027, 1, 7), today=date(2027, 1, 7))
    with pytest.raises(OutOfOrder, match="has been held"):
        case.rebook_meeting(meeting_on=date(2027, 1, 8), today=date(2027, 1, 7), outside_window_reason=None)


def test_scoping_cannot_be_requested_before_the_clock_has_counted_the_window():
    case = a_rapid_review()
    case.meeting_window = None
    with pytest.raises(OutOfOrder, match="not known yet"):
        case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 5), today=date(2026, 12, 22),
                             outside_window_reason=None)


def test_an_inquorate_meeting_cannot_decide_and_names_who_was_missing():
    case = a_rapid_review()
    case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 5), today=date(2026, 12, 22),
                         outside_window_reason=None)
    case.record_attendance(attendees=[Attendee(agency="police", name="DI", role="DI")])
    case.hold_meeting(held_on=date(2027, 1, 5), today=date(2027, 1, 5))
    with pytest.raises(OutOfOrder) as refused:
        case.decide(decision="cspr", safety_actions=[], learning=[], rationale="x", today=date(2027, 1, 5))
    assert "local authority" in str(refused.value) and "icb" in str(refused.value)


def test_a_cspr_decision_owes_the_completion_and_starts_the_six_month_clock():
    case = a_rapid_review()
    case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 5), today=date(2026, 12, 22),
                         outside_window_reason=None)
    case.record_attendance(attendees=[Attendee(agency=a, name=a, role="rep")
                                      for a in ("local_authority", "police", "icb")])
    case.hold_meeting(held_on=date(2027, 1, 5), today=date(2027, 1, 5))
    owed = case.decide(decision="cspr", safety_actions=["plan"], learning=[], rationale="x", today=date(2027, 1, 5))
    facts = [(o.fact, o.anchor) for o in owed if isinstance(o, MilestoneReached)]
    assert ("rapid_review_completed", None) in facts and ("cspr_decided", "decision_on") in facts


@pytest.mark.parametrize("criteria, expected", [
    ({"died": True, "abuse_or_neglect": "suspected", "concern_agencies_could_have_worked_better": True},
     "mandatory_died"),
    ({"died": True, "abuse_or_neglect": "suspected", "concern_agencies_could_have_worked_better": False}, None),
    ({"died": False, "abuse_or_neglect": "known"}, "mandatory_alive"),
    ({"died": False, "abuse_or_neglect": "not_suspected", "discretionary": True}, "discretionary"),
])
def test_the_care_act_s44_criteria(criteria, expected):
    assert care_act_criteria(criteria) == expected


def test_an_incomplete_sar_referral_lists_every_reason():
    assert len(reasons_incomplete(authorised=False, agencies=[], summary=" ")) == 3
    assert reasons_incomplete(authorised=True, agencies=["icb"], summary="concerns") == []


def test_an_imr_by_a_manager_involved_in_the_case_is_refused_with_every_reason():
    sar = SarCase(case_id="s1", case_ref="SAR-2027-S1", referring_agency="icb", received_on=date(2027, 1, 5),
                  involved_agencies=["police"], criteria_met="mandatory_died", stage="commissioned")
    sar.request_imrs(agencies=["police"])
    with pytest.raises(ExceptionGroup) as group:
        sar.submit_imr(agency="police", imr=Imr(author_name="M. Manager", author_role="team manager",
                                                    author_independent_of_case=False, chronology="c"),
                       today=date(2027, 3, 1))
    assert {tuple(e.loc) for e in group.value.exceptions} == {
        ("body", "author_independent_of_case"), ("body", "review_of_records"), ("body", "interviews")}


def test_sign_off_waits_for_the_committee():
    sar = SarCase(case_id="s1", case_ref="SAR-2027-S1", referring_agency="icb", received_on=date(2027, 1, 5),
                  involved_agencies=["police"], criteria_met="mandatory_died", stage="commissioned")
    with pytest.raises(OutOfOrder, match="SAR committee"):
        sar.sign_off(signed_off_on=date(2027, 8, 1), publish="full", today=date(2027, 8, 1))


def test_the_state_survives_a_round_trip_through_json():
    sar = SarCase(case_id="s1", case_ref="SAR-2027-S1", referring_agency="icb", received_on=date(2027, 1, 5),
                  involved_agencies=["police"], criteria_met="mandatory_died", stage="commissioned")
    sar.present_draft(presented_on=date(2027, 7, 1), today=date(2027, 7, 1))
    assert SarCase.from_state(sar.to_state()) == sar
    child = a_rapid_review()
    assert ChildCase.from_state(child.to_state()) == child


def test_a_meeting_held_early_or_off_its_booked_date_needs_a_reason_and_keeps_it():
    case = a_rapid_review()
    case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 5), today=date(2026, 12, 22),
                         outside_window_reason=None)
    with pytest.raises(RuleBroken, match="before its window opens on Monday 4 January 2027") as early:
        case.hold_meeting(held_on=date(2026, 12, 30), today=date(2027, 1, 6))
    with pytest.raises(RuleBroken, match=r"other than the one booked \(Tuesday 5 January 2027\)") as moved:
        case.hold_meeting(held_on=date(2027, 1, 6), today=date(2027, 1, 6))
    assert early.value.loc == moved.value.loc == ["body", "reason"]
    case.hold_meeting(held_on=date(2027, 1, 6), today=date(2027, 1, 6), reason=" chair delayed ")
    assert (case.meeting_held_on, case.meeting_held_reason) == (date(2027, 1, 6), "chair delayed")


def test_the_decision_tells_the_panel_who_attended_by_agency_and_role_never_by_name():
    case = a_rapid_review()
    case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 5), today=date(2026, 12, 22),
                         outside_window_reason=None)
    case.record_attendance(attendees=[Attendee(agency=a, name=f"Person at {a}", role="safeguarding lead")
                                      for a in ("local_authority", "police", "icb")])
    case.hold_meeting(held_on=date(2027, 1, 5), today=date(2027, 1, 5))
    owed = case.decide(decision="no_review", safety_actions=[], learning=[], rationale="x", today=date(2027, 1, 5))
    [decided] = [o for o in owed if isinstance(o, RapidReviewDecided)]
    assert [(a.agency, a.role) for a in decided.attended] == [
        ("local_authority", "safeguarding lead"), ("police", "safeguarding lead"), ("icb", "safeguarding lead")]
    assert "Person at" not in decided.model_dump_json()


def test_the_meeting_time_and_place_are_kept_on_the_case_and_carried_on_the_scoping_request():
    from datetime import time

    from pydantic import ValidationError

    from referrals.application.commands.child import RequestScoping

    command = RequestScoping(involved_agencies=["police"], meeting_on=date(2027, 1, 6), meeting_time="14:30",
                             meeting_place="https://meet.example.org/rr-c1")
    assert command.meeting_time == time(14, 30)
    case = a_rapid_review()
    [owed] = case.request_scoping(agencies=["police"], meeting_on=date(2027, 1, 6), today=date(2026, 12, 22),
                                  outside_window_reason=None, meeting_time=command.meeting_time,
                                  meeting_place=command.meeting_place)
    assert isinstance(owed, ScopingRequested)
    assert (owed.meeting_time, owed.meeting_place) == (time(14, 30), "https://meet.example.org/rr-c1")
    assert (case.meeting_time, case.meeting_place) == (time(14, 30), "https://meet.example.org/rr-c1")
    assert ChildCase.model_validate(case.model_dump(mode="json")).meeting_time == time(14, 30)
    # Neither is required; a time is HH:MM on the 24-hour clock; a link is https; a place is short.
    assert RequestScoping(involved_agencies=["police"], meeting_on=date(2027, 1, 6)).meeting_place is None
    for bad in (dict(meeting_time="2:30pm"), dict(meeting_time="25:00"), dict(meeting_time="14:30:15"),
                dict(meeting_place="http://meet.example.org/rr"), dict(meeting_place="x" * 301),
                dict(meeting_place="   ")):
        with pytest.raises(ValidationError):
            RequestScoping(involved_agencies=["police"], meeting_on=date(2027, 1, 6), **bad)
