"""Properties of the working-day calendar, checked against a naive day-by-day count.

The naive oracle asks the `holidays` package directly and steps one day at a time, so it shares
nothing with the calendar's precomputed table and bisect.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import holidays
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from scheduling.domain.calendar import Offset, WorkingDayCalendar

CAL = WorkingDayCalendar()
CLOSURES = {date(2026, 12, 24): "Christmas Eve", date(2027, 6, 14): "staff training day",
            date(2027, 6, 15): "staff training day"}
CLOSED_CAL = WorkingDayCalendar(CLOSURES)
BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2017, 2040))

ONE_DAY = timedelta(days=1)


def naive_working(day: date, closures=()) -> bool:
    return day.weekday() < 5 and day not in BANK_HOLIDAYS and day not in closures


def naive_add(start: date, n: int, closures=()) -> date:
    day, step, left = start, (ONE_DAY if n > 0 else -ONE_DAY), abs(n)
    while left:
        day += step
        if naive_working(day, closures):
            left -= 1
    return day


def naive_count(lo: date, hi: date) -> int:
    """Working days in [lo, hi]."""
    return sum(naive_working(lo + timedelta(days=i)) for i in range((hi - lo).days + 1))


def naive_roll_back(day: date) -> date:
    while not naive_working(day):
        day -= ONE_DAY
    return day


dates = st.dates(date(2020, 1, 1), date(2035, 12, 31))
counts = st.integers(-400, 400)
# Starts that are themselves not working days: bank holidays (weekday or not) and weekends.
holiday_starts = st.sampled_from(sorted(d for d in BANK_HOLIDAYS if 2020 <= d.year <= 2035))
weekend_starts = dates.map(lambda d: d + timedelta(days=(5 - d.weekday()) % 7))
any_start = st.one_of(dates, holiday_starts, weekend_starts)


@given(any_start, counts)
@example(date(2026, 12, 25), 1)
@example(date(2026, 12, 26), -1)
@example(date(2035, 12, 31), 400)
@example(date(2020, 1, 1), -400)
def test_agrees_with_a_naive_day_by_day_count(start, n):
    assert CAL.add_working_days(start, n).date == naive_add(start, n)


@given(any_start, counts)
def test_lands_on_a_working_day_exactly_n_working_days_away(start, n):
    result = CAL.add_working_days(start, n).date
    if n == 0:
        assert result == start
        return
    assert naive_working(result)
    assert CAL.is_working_day(result)
    if n > 0:
        assert result > start
        assert naive_count(start + ONE_DAY, result) == n  # exactly n in (start, result]
    else:
        assert result < start
        assert naive_count(result, start - ONE_DAY) == -n  # exactly |n| in [result, start)


@given(any_start, counts, counts)
def test_monotonic_in_n(start, n1, n2):
    assume(n1 != n2)
    n1, n2 = sorted((n1, n2))
    assert CAL.add_working_days(start, n1).date < CAL.add_working_days(start, n2).date


@given(any_start, any_start, counts)
def test_monotonic_in_start(s1, s2, n):
    s1, s2 = sorted((s1, s2))
    assert CAL.add_working_days(s1, n).date <= CAL.add_working_days(s2, n).date


@given(dates, st.integers(1, 400))
def test_counting_back_returns_to_a_working_start(start, n):
    assume(naive_working(start))
    forward = CAL.add_working_days(start, n).date
    assert CAL.add_working_days(forward, -n).date == start


@given(any_start, counts)
def test_skipped_days_are_exactly_the_non_working_days_passed_over(start, n):
    result = CAL.add_working_days(start, n)
    lo, hi = (start + ONE_DAY, result.date) if n > 0 else (result.date, start - ONE_DAY)
    expected = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)] if n else []
    expected = [d for d in expected if not naive_working(d)]
    assert [s.date for s in result.skipped] == expected
    assert all(s.reason for s in result.skipped)
    assert len(result.skipped) == abs((result.date - start).days) - abs(n)
    for skipped in result.skipped:
        if skipped.date.weekday() < 5:
            assert skipped.reason.startswith("bank holiday: ")
            assert skipped.reason.removeprefix("bank holiday: ").replace(
                "substitute day for ", "") in BANK_HOLIDAYS[skipped.date].replace(" (observed)", "")


@given(any_start, counts)
def test_local_closures_count_as_non_working(start, n):
    assert CLOSED_CAL.add_working_days(start, n).date == naive_add(start, n, CLOSURES)


@given(dates, st.integers(-60, 60))
def test_months_land_on_the_same_day_or_the_month_end_then_roll_back(start, months):
    result = CAL.add_months(start, months)
    if months == 0:  # an offset of 0 is the start date itself, as for working days
        assert (result.date, result.rolled_from) == (start, None)
        return
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    landed = date(year, month0 + 1, min(start.day, monthrange(year, month0 + 1)[1]))
    assert result.date == naive_roll_back(landed)
    assert result.rolled_from == (None if naive_working(landed) else landed)
    assert result.date <= landed  # never later than the rule allows


month_ends = st.builds(lambda y, m: date(y, m, monthrange(y, m)[1]),
                       st.integers(2020, 2034), st.integers(1, 12))


@given(month_ends, st.integers(1, 24))
@example(date(2027, 1, 31), 1)
@example(date(2028, 1, 31), 1)
def test_month_end_plus_months_is_never_past_the_target_month(start, months):
    result = CAL.add_months(start, months)
    landed = result.rolled_from or result.date
    target_year, target0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    assert (landed.year, landed.month) == (target_year, target0 + 1)
    if start.month == 1 and start.day == 31 and months == 1:  # 31 Jan + 1 month = 28/29 Feb
        assert landed == date(target_year, 2, 29 if monthrange(target_year, 2)[1] == 29 else 28)


@given(any_start, st.integers(-104, 104), st.integers(-400, 400))
def test_weeks_and_calendar_days_roll_back_to_the_preceding_working_day(start, weeks, days):
    for result, landed in ((CAL.add_weeks(start, weeks), start + timedelta(weeks=weeks)),
                           (CAL.add_calendar_days(start, days), start + timedelta(days=days))):
        if result.offset.is_zero:
            assert result.date == start
            continue
        assert result.date == naive_roll_back(landed)
        assert [s.date for s in result.skipped] == [
            result.date + timedelta(days=i) for i in range(1, (landed - result.date).days + 1)]


@given(st.dates(date(1950, 1, 1), date(2150, 12, 31)), st.integers(-300, 300))
@settings(max_examples=25, deadline=None)
def test_dates_outside_the_precomputed_years_extend_the_calendar(start, n):
    calendar = WorkingDayCalendar()  # fresh, so its table must grow for these dates
    far_holidays = holidays.country_holidays("GB", subdiv="ENG",
                                             years=range(start.year - 2, start.year + 3))
    day, step, left = start, (ONE_DAY if n > 0 else -ONE_DAY), abs(n)
    while left:
        day += step
        if day.weekday() < 5 and day not in far_holidays:
            left -= 1
    assert calendar.add_working_days(start, n).date == day


@given(any_start, counts)
def test_apply_with_working_days_is_add_working_days(start, n):
    assert CAL.apply(start, Offset(working_days=n)) == CAL.add_working_days(start, n)


@given(any_start, counts)
def test_every_result_explains_itself(start, n):
    result = CAL.add_working_days(start, n)
    text = result.explanation
    assert text.startswith(result.date.isoformat())
    assert start.isoformat() in text
    for skipped in result.skipped:
        assert skipped.date.isoformat() in text
