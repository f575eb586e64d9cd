"""Golden vectors, counted by hand on a paper calendar, for the statutory clocks.

Each case shows its count: (1), (2) … are the working days counted; "BH" marks a bank holiday in
England and Wales that the count passes over. The holidays library is asked only to confirm that
the hand-written bank holidays are the ones it knows, so a wrong pin of `holidays` shows up here
as a data change, not as a silently moved deadline.
"""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from scheduling.domain.calendar import Offset, WorkingDayCalendar
from scheduling.domain.rules_file import load_rules

D = date
CAL = WorkingDayCalendar()

# The bank holidays of England and Wales, 2026-2030, written out by hand (gov.uk). A Christmas,
# Boxing Day or New Year's Day on a weekend moves to a substitute weekday.
BANK_HOLIDAYS_BY_HAND = {
    D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25), D(2026, 8, 31),
    D(2026, 12, 25), D(2026, 12, 28),  # Boxing Day is Sat 26 Dec: substitute Mon 28 Dec
    D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31), D(2027, 8, 30),
    D(2027, 12, 27), D(2027, 12, 28),  # Christmas Sat, Boxing Day Sun: substitutes Mon and Tue
    D(2028, 1, 3),  # New Year's Day is Sat 1 Jan 2028: substitute Mon 3 Jan
    D(2028, 4, 14), D(2028, 4, 17), D(2028, 5, 1), D(2028, 5, 29), D(2028, 8, 28),
    D(2028, 12, 25), D(2028, 12, 26),
    D(2029, 1, 1), D(2029, 3, 30), D(2029, 4, 2), D(2029, 5, 7), D(2029, 5, 28), D(2029, 8, 27),
    D(2029, 12, 25), D(2029, 12, 26),
    D(2030, 1, 1), D(2030, 4, 19), D(2030, 4, 22), D(2030, 5, 6), D(2030, 5, 27), D(2030, 8, 26),
    D(2030, 12, 25), D(2030, 12, 26),
}


def test_the_hand_written_bank_holidays_are_the_ones_the_pinned_library_knows():
    library = holidays.country_holidays("GB", subdiv="ENG", years=range(2026, 2031))
    weekday_holidays = {d for d in library if d.weekday() < 5}
    assert weekday_holidays == BANK_HOLIDAYS_BY_HAND
    assert all(not CAL.is_working_day(d) for d in BANK_HOLIDAYS_BY_HAND)


def test_the_bare_uk_calendar_would_be_wrong_which_is_why_england_is_asked_for():
    # Easter Monday and the August bank holiday are England-and-Wales holidays.
    assert not CAL.is_working_day(D(2026, 4, 6))
    assert not CAL.is_working_day(D(2026, 8, 31))
    assert D(2026, 4, 6) not in holidays.country_holidays("UK", years=2026)


# (start, n, expected, the count by hand)
CHRISTMAS_AND_NEW_YEAR = [
    (D(2026, 12, 21), 15, D(2027, 1, 14),
     "Mon 21 Dec 2026 is day 0: Tue 22 (1) Wed 23 (2) Thu 24 (3) Fri 25 BH Sat Sun "
     "Mon 28 BH (Boxing Day substitute) Tue 29 (4) Wed 30 (5) Thu 31 (6) Fri 1 Jan BH Sat Sun "
     "Mon 4 (7) Tue 5 (8) Wed 6 (9) Thu 7 (10) Fri 8 (11) Mon 11 (12) Tue 12 (13) Wed 13 (14) "
     "Thu 14 (15)"),
    (D(2027, 12, 23), 5, D(2028, 1, 4),
     "Thu 23 Dec 2027: Fri 24 (1) Sat 25 Sun 26 Mon 27 BH (Christmas substitute) Tue 28 BH "
     "(Boxing Day substitute) Wed 29 (2) Thu 30 (3) Fri 31 (4) Sat 1 Jan Sun 2 Mon 3 BH "
     "(New Year substitute) Tue 4 (5)"),
    (D(2028, 12, 22), 5, D(2029, 1, 3),
     "Fri 22 Dec 2028: Sat Sun Mon 25 BH Tue 26 BH Wed 27 (1) Thu 28 (2) Fri 29 (3) Sat Sun "
     "Mon 1 Jan 2029 BH Tue 2 (4) Wed 3 (5)"),
    (D(2029, 12, 24), 2, D(2029, 12, 28),
     "Mon 24 Dec 2029: Tue 25 BH Wed 26 BH Thu 27 (1) Fri 28 (2)"),
    (D(2029, 12, 24), 5, D(2030, 1, 3),
     "Mon 24 Dec 2029: Tue 25 BH Wed 26 BH Thu 27 (1) Fri 28 (2) Sat Sun Mon 31 (3) "
     "Tue 1 Jan 2030 BH Wed 2 (4) Thu 3 (5)"),
    (D(2030, 12, 24), 5, D(2031, 1, 3),
     "Tue 24 Dec 2030: Wed 25 BH Thu 26 BH Fri 27 (1) Sat Sun Mon 30 (2) Tue 31 (3) "
     "Wed 1 Jan 2031 BH Thu 2 (4) Fri 3 (5)"),
]

EASTER = [
    (D(2026, 4, 2), 2, D(2026, 4, 8),
     "Thu 2 Apr 2026: Fri 3 BH (Good Friday) Sat Sun Mon 6 BH (Easter Monday) Tue 7 (1) Wed 8 (2)"),
    (D(2027, 3, 24), 5, D(2027, 4, 2),
     "Wed 24 Mar 2027: Thu 25 (1) Fri 26 BH Sat Sun Mon 29 BH Tue 30 (2) Wed 31 (3) Thu 1 Apr (4) "
     "Fri 2 (5)"),
    (D(2028, 4, 13), 1, D(2028, 4, 18),
     "Thu 13 Apr 2028: Fri 14 BH Sat Sun Mon 17 BH Tue 18 (1)"),
    (D(2028, 4, 18), -1, D(2028, 4, 13),
     "backward from Tue 18 Apr 2028: Mon 17 BH Sun Sat Fri 14 BH Thu 13 (1)"),
    (D(2029, 3, 26), 10, D(2029, 4, 11),
     "Mon 26 Mar 2029: Tue 27 (1) Wed 28 (2) Thu 29 (3) Fri 30 BH Sat Sun Mon 2 Apr BH Tue 3 (4) "
     "Wed 4 (5) Thu 5 (6) Fri 6 (7) Sat Sun Mon 9 (8) Tue 10 (9) Wed 11 (10)"),
    (D(2030, 4, 16), 5, D(2030, 4, 25),
     "Tue 16 Apr 2030: Wed 17 (1) Thu 18 (2) Fri 19 BH Sat Sun Mon 22 BH Tue 23 (3) Wed 24 (4) "
     "Thu 25 (5)"),
]

MAY_SPRING_AND_AUGUST = [
    (D(2026, 5, 1), 1, D(2026, 5, 5), "Fri 1 May 2026: Sat Sun Mon 4 BH (early May) Tue 5 (1)"),
    (D(2026, 5, 22), 5, D(2026, 6, 1),
     "Fri 22 May 2026: Sat Sun Mon 25 BH (spring) Tue 26 (1) Wed 27 (2) Thu 28 (3) Fri 29 (4) "
     "Sat Sun Mon 1 Jun (5)"),
    (D(2026, 8, 27), 2, D(2026, 9, 1),
     "Thu 27 Aug 2026: Fri 28 (1) Sat Sun Mon 31 BH (August) Tue 1 Sep (2)"),
    (D(2027, 4, 30), 20, D(2027, 6, 1),
     "Fri 30 Apr 2027: Mon 3 May BH Tue 4 (1) Wed 5 (2) Thu 6 (3) Fri 7 (4) Mon 10 (5) … "
     "Fri 14 (9) Mon 17 (10) … Fri 21 (14) Mon 24 (15) … Fri 28 (19) Mon 31 BH (spring) "
     "Tue 1 Jun (20)"),
    (D(2027, 8, 27), 1, D(2027, 8, 31), "Fri 27 Aug 2027: Sat Sun Mon 30 BH Tue 31 (1)"),
    (D(2028, 5, 2), -2, D(2028, 4, 27),
     "backward from Tue 2 May 2028: Mon 1 BH (early May) Sun Sat Fri 28 Apr (1) Thu 27 (2)"),
    (D(2028, 5, 26), 2, D(2028, 5, 31), "Fri 26 May 2028: Sat Sun Mon 29 BH Tue 30 (1) Wed 31 (2)"),
    (D(2028, 8, 25), 3, D(2028, 8, 31),
     "Fri 25 Aug 2028: Sat Sun Mon 28 BH Tue 29 (1) Wed 30 (2) Thu 31 (3)"),
    (D(2029, 5, 4), 1, D(2029, 5, 8), "Fri 4 May 2029: Sat Sun Mon 7 BH Tue 8 (1)"),
    (D(2029, 5, 25), 1, D(2029, 5, 29), "Fri 25 May 2029: Sat Sun Mon 28 BH Tue 29 (1)"),
    (D(2029, 8, 24), 1, D(2029, 8, 28), "Fri 24 Aug 2029: Sat Sun Mon 27 BH Tue 28 (1)"),
    (D(2030, 5, 3), 1, D(2030, 5, 7), "Fri 3 May 2030: Sat Sun Mon 6 BH Tue 7 (1)"),
    (D(2030, 5, 24), 1, D(2030, 5, 28), "Fri 24 May 2030: Sat Sun Mon 27 BH Tue 28 (1)"),
    (D(2030, 8, 23), 1, D(2030, 8, 27), "Fri 23 Aug 2030: Sat Sun Mon 26 BH Tue 27 (1)"),
]


@pytest.mark.parametrize("start, n, expected, count",
                         CHRISTMAS_AND_NEW_YEAR + EASTER + MAY_SPRING_AND_AUGUST,
                         ids=lambda v: v.isoformat() if isinstance(v, date) else None)
def test_working_days_counted_by_hand(start, n, expected, count):
    result = CAL.add_working_days(start, n)
    assert result.date == expected, count
    assert result.start == start
    assert result.rolled_from is None


def test_the_explanation_names_every_skipped_holiday_over_christmas_2026():
    result = CAL.add_working_days(D(2026, 12, 21), 15)
    assert result.description == "15 working days after 2026-12-21 (Mon)"
    assert [(s.date, s.reason) for s in result.skipped] == [
        (D(2026, 12, 25), "bank holiday: Christmas Day"),
        (D(2026, 12, 26), "Saturday"),
        (D(2026, 12, 27), "Sunday"),
        (D(2026, 12, 28), "bank holiday: substitute day for Boxing Day"),
        (D(2027, 1, 1), "bank holiday: New Year's Day"),
        (D(2027, 1, 2), "Saturday"),
        (D(2027, 1, 3), "Sunday"),
        (D(2027, 1, 9), "Saturday"),
        (D(2027, 1, 10), "Sunday"),
    ]
    text = result.explanation
    assert text.startswith("2027-01-14 (Thu) is 15 working days after 2026-12-21 (Mon)")
    for name in ("Christmas Day", "substitute day for Boxing Day", "New Year's Day", "Saturday"):
        assert name in text
    assert "9 non-working days" in text


def test_easter_explanation_names_good_friday_and_easter_monday():
    text = CAL.add_working_days(D(2026, 4, 2), 2).explanation
    assert "2026-04-03 (Fri, bank holiday: Good Friday)" in text
    assert "2026-04-06 (Mon, bank holiday: Easter Monday)" in text


def test_a_local_closure_is_skipped_and_named():
    # Thu 24 Dec 2026 closed: the 15 days of Christmas 2026 end one working day later.
    cal = WorkingDayCalendar({D(2026, 12, 24): "Christmas Eve (council closure)"})
    result = cal.add_working_days(D(2026, 12, 21), 15)
    assert result.date == D(2027, 1, 15)
    assert "2026-12-24 (Thu, local closure: Christmas Eve (council closure))" in result.explanation
    assert cal.reason_not_working(D(2026, 12, 24)) == \
        "local closure: Christmas Eve (council closure)"


def test_zero_working_days_is_the_start_date_itself_even_on_a_weekend():
    result = CAL.add_working_days(D(2026, 12, 26), 0)  # Saturday, Boxing Day
    assert result.date == D(2026, 12, 26)
    assert result.skipped == ()
    assert "kept although it is not a working day (Saturday)" in result.explanation


# Months are calendar months: the same day of the month, or the month's last day.
MONTHS = [
    # (start, months, landed on, rolled back to, the count by hand)
    (D(2027, 1, 31), 1, D(2027, 2, 28), D(2027, 2, 26),
     "2027 is not a leap year: 31 Jan + 1 month = Sun 28 Feb; back over Sun, Sat to Fri 26 Feb"),
    (D(2028, 1, 31), 1, D(2028, 2, 29), None,
     "2028 is a leap year: 31 Jan + 1 month = Tue 29 Feb, a working day"),
    (D(2026, 1, 31), 1, D(2026, 2, 28), D(2026, 2, 27),
     "31 Jan 2026 + 1 month = Sat 28 Feb; back to Fri 27 Feb"),
    (D(2028, 2, 29), 12, D(2029, 2, 28), None, "29 Feb 2028 + 12 months = Wed 28 Feb 2029"),
    (D(2027, 1, 29), 2, D(2027, 3, 29), D(2027, 3, 25),
     "29 Jan 2027 + 2 months = Mon 29 Mar, Easter Monday; back over Sun, Sat, Fri 26 Good Friday "
     "to Thu 25 Mar"),
]


@pytest.mark.parametrize("start, months, landed, rolled_to, count", MONTHS)
def test_months_by_hand(start, months, landed, rolled_to, count):
    result = CAL.add_months(start, months)
    assert result.date == (rolled_to or landed), count
    assert result.rolled_from == (landed if rolled_to else None)


def test_a_rolled_back_date_explains_the_move():
    result = CAL.add_months(D(2027, 1, 29), 2)
    assert [s.date for s in result.skipped] == [D(2027, 3, 26), D(2027, 3, 27), D(2027, 3, 28),
                                                 D(2027, 3, 29)]
    assert result.explanation == (
        "2027-03-29 (Mon) is 2 months after 2027-01-29 (Fri) but is not a working day, so the date "
        "moves back to the preceding working day, 2027-03-25 (Thu), passing over 2027-03-26 (Fri, "
        "bank holiday: Good Friday), 2027-03-27 (Saturday), 2027-03-28 (Sunday) and 2027-03-29 "
        "(Mon, bank holiday: Easter Monday).")


def test_weeks_before_roll_back_too_never_later():
    # 4 weeks before Sun 31 Jan 2027 is Sun 3 Jan; back over Sat 2 and Fri 1 Jan (BH) to Thu 31 Dec.
    result = CAL.add_weeks(D(2027, 1, 31), -4)
    assert (result.date, result.rolled_from) == (D(2026, 12, 31), D(2027, 1, 3))
    assert result.description == "4 weeks before 2027-01-31 (Sun)"


def test_five_and_a_half_months_is_five_months_then_fifteen_days():
    # 29 Jan 2027 + 5 months = Tue 29 Jun; + 15 days = Wed 14 Jul 2027.
    result = CAL.apply(D(2027, 1, 29), Offset(months=5, calendar_days=15))
    assert result.date == D(2027, 7, 14)
    assert result.description == "5 months and 15 calendar days after 2027-01-29 (Fri)"


# --- Every rule row of docs/framework.md, on a concrete date --------------------------------------

RULES = load_rules()
RCAL = RULES.calendar()
CHILD = {"became_aware_on": D(2026, 12, 21), "received_on": D(2026, 12, 21)}  # Mon, the example referral


def due(key, anchors):
    return RULES.due_for(key, anchors, RCAL)


def test_rapid_review_clock_over_christmas_2026():
    # 5 wd after Mon 21 Dec: Tue 22 (1) Wed 23 (2) Thu 24 (3) Fri 25 BH Sat Sun Mon 28 BH
    # Tue 29 (4) Wed 30 (5)
    assert due("rr.panel_notified", CHILD).due.date == D(2026, 12, 30)
    assert due("rr.lac_death_notified", CHILD).due.date == D(2026, 12, 30)
    # 2 wd: Tue 22 (1) Wed 23 (2)
    assert due("rr.scoping_sent", CHILD).due.date == D(2026, 12, 23)
    # 5 wd after the template went on Wed 23 Dec: Thu 24 (1) Fri 25 BH Sat Sun Mon 28 BH Tue 29 (2)
    # Wed 30 (3) Thu 31 (4) Fri 1 Jan BH Sat Sun Mon 4 (5)
    returned = due("rr.scoping_returned", {**CHILD, "scoping_sent_on": D(2026, 12, 23)})
    assert returned.due.date == D(2027, 1, 4)
    # From the count above: the window opens on day 7 (Mon 4 Jan) and closes on day 13 (Tue 12 Jan).
    meeting = due("rr.meeting", CHILD)
    assert (meeting.window_start.date, meeting.due.date) == (D(2027, 1, 4), D(2027, 1, 12))
    # 15 wd: Thu 14 Jan 2027 (counted in CHRISTMAS_AND_NEW_YEAR above)
    complete = due("rr.complete", CHILD)
    assert complete.due.date == D(2027, 1, 14)
    assert "Christmas Day" in complete.explanation and "New Year's Day" in complete.explanation
    # Meeting held Thu 7 Jan 2027: Fri 8 (1) Sat Sun Mon 11 (2)
    assert due("rr.outcome_sent", {"meeting_held_on": D(2027, 1, 7)}).due.date == D(2027, 1, 11)


def test_scoping_return_is_planned_from_the_scoping_due_date_until_the_template_is_sent():
    returned = due("rr.scoping_returned", CHILD)
    assert returned.due.date == D(2027, 1, 4)
    assert returned.anchor_projected_from.key == "rr.scoping_sent"
    assert "scoping_sent_on is not recorded yet" in returned.explanation


def test_cspr_publication_and_final_report():
    # Decision Thu 7 Jan 2027 + 6 months = Wed 7 Jul 2027, a working day.
    published = due("cspr.published", {"decision_on": D(2027, 1, 7)})
    assert (published.due.date, published.due.rolled_from) == (D(2027, 7, 7), None)
    # Planned publication Tue 1 Jun 2027; 7 wd before: Mon 31 May BH Sun Sat Fri 28 (1) Thu 27 (2)
    # Wed 26 (3) Tue 25 (4) Mon 24 (5) Fri 21 (6) Thu 20 (7)
    final = due("cspr.final_to_panel", {"planned_publication_on": D(2027, 6, 1)})
    assert final.due.date == D(2027, 5, 20)
    assert "7 working days before 2027-06-01 (Tue)" in final.due.explanation
    # With no planned date yet, the statutory publication date stands in: 7 wd before Wed 7 Jul:
    # Tue 6 (1) Mon 5 (2) Fri 2 (3) Thu 1 (4) Wed 30 Jun (5) Tue 29 (6) Mon 28 (7)
    assert due("cspr.final_to_panel", {"decision_on": D(2027, 1, 7)}).due.date == D(2027, 6, 28)


def test_sar_decision_has_a_target_and_a_latest_date():
    # Received Tue 5 Jan 2027: + 6 weeks = Tue 16 Feb (target), + 8 weeks = Tue 2 Mar (latest).
    decision = due("sar.decision", {"received_on": D(2027, 1, 5)})
    assert decision.target.date == D(2027, 2, 16)
    assert decision.due.date == D(2027, 3, 2)


def test_sar_scoping_agreement_and_family():
    # Scoping requested Fri 30 Apr 2027: 20 wd, over both May bank holidays = Tue 1 Jun 2027.
    assert due("sar.scoping_returned", {"scoping_requested_on": D(2027, 4, 30)}).due.date \
        == D(2027, 6, 1)
    # Scoping reviewed Wed 17 Mar 2027: Thu 18 (1) Fri 19 (2) Mon 22 (3) Tue 23 (4) Wed 24 (5)
    # Thu 25 (6) Fri 26 BH Sat Sun Mon 29 BH Tue 30 (7) Wed 31 (8) Thu 1 Apr (9) Fri 2 (10)
    assert due("sar.agreed", {"scoping_reviewed_on": D(2027, 3, 17)}).due.date == D(2027, 4, 2)
    # Agreed Wed 24 Mar 2027: Thu 25 (1) Fri 26 BH Sat Sun Mon 29 BH Tue 30 (2) Wed 31 (3)
    # Thu 1 Apr (4) Fri 2 (5)
    assert due("sar.family_notified", {"agreed_on": D(2027, 3, 24)}).due.date == D(2027, 4, 2)


COMMISSIONED = {"commissioned_on": D(2027, 1, 29)}  # Fri 29 Jan 2027


@pytest.mark.parametrize("key, expected, count", [
    ("sar.reviewers_commissioned", D(2027, 2, 19), "Fri 29 Jan + 3 weeks = Fri 19 Feb"),
    ("sar.initial_meeting", D(2027, 3, 19),
     "reviewers Fri 19 Feb (planned) + 4 weeks = Fri 19 Mar"),
    ("sar.draft_report", D(2027, 6, 29), "+ 5 months = Tue 29 Jun"),
    ("sar.committee", D(2027, 7, 14), "+ 5 months = Tue 29 Jun, + 15 days = Wed 14 Jul"),
    ("sar.signed_off", D(2027, 7, 29), "+ 6 months = Thu 29 Jul"),
    ("sar.family_shared", D(2027, 8, 12), "sign-off Thu 29 Jul (planned) + 2 weeks = Thu 12 Aug"),
    ("sar.published", D(2027, 8, 27),
     "+ 7 months = Sun 29 Aug; back over Sun, Sat to Fri 27 Aug (the BH is Mon 30 Aug)"),
    ("sar.learning_event", D(2027, 10, 29), "+ 9 months = Fri 29 Oct"),
])
def test_sar_timetable_from_commission(key, expected, count):
    assert due(key, COMMISSIONED).due.date == expected, count


def test_sar_panel_meets_monthly_until_sign_off():
    # Fri 29 Jan 2027 + 1 month = Sun 28 Feb (no 29 Feb in 2027) -> Fri 26 Feb; + 2 = Mon 29 Mar,
    # Easter Monday -> Thu 25 Mar; + 3 = Thu 29 Apr; + 4 = Sat 29 May -> Fri 28 May;
    # + 5 = Tue 29 Jun; + 6 = Thu 29 Jul, the sign-off date, still within the review.
    meetings = RULES.occurrences("sar.panel_meeting", COMMISSIONED, RCAL)
    assert [m.date for m in meetings] == [D(2027, 2, 26), D(2027, 3, 25), D(2027, 4, 29),
                                          D(2027, 5, 28), D(2027, 6, 29), D(2027, 7, 29)]
    assert due("sar.panel_meeting", COMMISSIONED).due.date == D(2027, 2, 26)


QA_MEETING = {"qa_meeting_on": D(2027, 4, 26)}  # Mon 26 Apr 2027


@pytest.mark.parametrize("key, expected, count", [
    ("macfa.audit_date", D(2027, 3, 25),
     "4 weeks before Mon 26 Apr = Mon 29 Mar, Easter Monday; back over Sun, Sat, Good Friday "
     "to Thu 25 Mar"),
    ("macfa.scope_agreed", D(2027, 2, 4), "7 weeks before the audit, Thu 25 Mar = Thu 4 Feb"),
    ("macfa.cases_sampled", D(2027, 2, 11), "6 weeks before Thu 25 Mar = Thu 11 Feb"),
    ("macfa.template_sent", D(2027, 2, 18), "5 weeks before Thu 25 Mar = Thu 18 Feb"),
    ("macfa.programme_sent", D(2027, 3, 18), "1 week before Thu 25 Mar = Thu 18 Mar"),
    ("macfa.report", D(2027, 4, 26), "at the QA sub-group meeting itself"),
])
def test_macfa_planned_backward_from_the_qa_meeting(key, expected, count):
    assert due(key, QA_MEETING).due.date == expected, count


def test_macfa_uses_the_audit_date_once_it_is_fixed():
    # The audit was fixed for Tue 23 Mar 2027; the scope is due 7 weeks earlier, Tue 2 Feb.
    scope = due("macfa.scope_agreed", {**QA_MEETING, "audit_on": D(2027, 3, 23)})
    assert scope.due.date == D(2027, 2, 2)
    assert scope.anchor_projected_from is None


@pytest.mark.parametrize("key, expected, count", [
    ("training.follow_up", D(2027, 2, 26),
     "Mon 30 Nov 2026 + 3 months = 28 Feb 2027 (no 30 Feb), a Sunday; back to Fri 26 Feb"),
    ("training.manager_survey", D(2027, 3, 30),
     "+ 4 months = Tue 30 Mar 2027, the day after Easter Monday"),
])
def test_training_follow_up(key, expected, count):
    assert due(key, {"training_completed_on": D(2026, 11, 30)}).due.date == expected, count
