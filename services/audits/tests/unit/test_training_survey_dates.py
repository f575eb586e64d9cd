"""When a training survey falls due: the same day of the month that many months after completing core
training, on the working day before when that is a weekend or a bank holiday in England."""
from __future__ import annotations

from datetime import date

from audits.domain.training import add_months, summarise, survey_due


def test_months_are_calendar_months_ending_at_the_end_of_a_short_month():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2027, 1, 4), -12) == date(2026, 1, 4)


def test_a_follow_up_due_on_a_saturday_goes_the_friday_before():
    assert survey_due(date(2026, 10, 9), 3) == date(2027, 1, 8)


def test_a_follow_up_due_on_easter_monday_goes_the_thursday_before_good_friday():
    assert survey_due(date(2026, 12, 29), 3) == date(2027, 3, 25)  # 29 March 2027 is Easter Monday


def test_the_august_bank_holiday_of_england_is_not_a_working_day():
    assert survey_due(date(2027, 4, 30), 4) == date(2027, 8, 27)  # 30 August 2027: summer bank holiday


def test_the_impact_figures_count_only_surveys_sent_and_answered():
    surveys = [
        {"kind": "follow_up", "status": "answered", "answers": {"practice_changed": True, "confidence_before": 2,
                                                                "confidence_after": 4}},
        {"kind": "follow_up", "status": "sent", "answers": None},
        {"kind": "manager", "status": "pending", "answers": None},
    ]

    figures = summarise(3, surveys)

    assert figures["follow_up"] == {"sent": 2, "answered": 1, "response_rate_percent": 50.0,
                                    "practice_changed_percent": 100.0, "mean_confidence_before": 2.0,
                                    "mean_confidence_after": 4.0}
    assert figures["manager"]["sent"] == 0 and figures["manager"]["mean_team_impact"] is None
