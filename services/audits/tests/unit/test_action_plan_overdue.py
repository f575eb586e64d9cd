"""An action is overdue once its due day has ended, and escalated again at the partnership's interval,
each transition once and in order, however long the service was down."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from audits.domain.actions import Action
from audits.domain.errors import OutOfOrder, RuleBroken
from safeguard_shared.contracts.audits import ActionEscalated, ActionOverdue

DUE = date(2027, 3, 31)


def action(**kwargs) -> Action:
    a = Action(action_id="x", source="audit", owning_agency="school", description="d", audit_id="a-1")
    a.set_due(kwargs.pop("due_on", DUE), date(2027, 1, 4))
    return a


def test_not_overdue_on_its_due_day_overdue_the_day_after():
    a = action()

    assert a.check_overdue(DUE, 14) == []
    [event] = a.check_overdue(DUE + timedelta(days=1), 14)

    assert isinstance(event, ActionOverdue) and event.overdue_on == date(2027, 4, 1) and a.overdue
    assert a.check_overdue(DUE + timedelta(days=1), 14) == []


def test_after_downtime_each_escalation_fires_once_in_order():
    a = action()

    events = a.check_overdue(date(2027, 5, 1), 14)

    assert [type(e).__name__ for e in events] == ["ActionOverdue", "ActionEscalated", "ActionEscalated"]
    assert [(e.escalation, e.escalated_on) for e in events if isinstance(e, ActionEscalated)] == [
        (1, date(2027, 4, 15)), (2, date(2027, 4, 29))]
    assert a.next_check_on == date(2027, 5, 13)


def test_completion_records_whether_it_was_on_time_and_stops_the_clock():
    a = action()
    a.check_overdue(date(2027, 4, 2), 14)

    [done] = a.complete("Evidence", date(2027, 4, 2), date(2027, 4, 2))

    assert done.on_time is False and a.next_check_on is None and not a.overdue
    assert a.check_overdue(date(2027, 6, 1), 14) == []
    with pytest.raises(OutOfOrder):
        a.record_progress(date(2027, 6, 1))


def test_a_due_date_in_the_past_or_a_completion_in_the_future_is_refused():
    a = action()

    with pytest.raises(RuleBroken):
        a.set_due(date(2027, 1, 1), date(2027, 1, 4))
    with pytest.raises(RuleBroken):
        a.complete("Evidence", date(2027, 1, 5), date(2027, 1, 4))


def test_a_proposed_action_has_no_clock_until_its_due_date_is_agreed():
    a = Action(action_id="y", source="review", owning_agency="icb", description="d", status="proposed")

    assert a.check_overdue(date(2030, 1, 1), 14) == [] and a.next_check_on is None
    with pytest.raises(OutOfOrder):
        a.complete("Evidence", date(2027, 1, 4), date(2027, 1, 4))
