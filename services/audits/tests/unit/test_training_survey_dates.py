"""The impact figures of training surveys, and the window of recently audited cases in calendar months.

When a survey falls due is the scheduling service's rule (training.follow_up, training.manager_survey):
the audits service learns the day from its events (tests/integration/test_training_impact.py)."""
from __future__ import annotations

from datetime import date

from audits.domain.sampling import audited_since
from audits.domain.training import summarise


def test_months_are_calendar_months_ending_at_the_end_of_a_short_month():
    assert audited_since(date(2027, 5, 31), 3) == date(2027, 2, 28)
    assert audited_since(date(2028, 5, 31), 3) == date(2028, 2, 29)
    assert audited_since(date(2027, 1, 4), 12) == date(2026, 1, 4)


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
