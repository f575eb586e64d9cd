"""The working-day calendar behind every statutory clock (docs/framework.md).

A working day is Monday to Friday that is not a bank holiday in England and Wales and not a local
closure day the partnership configures. "N working days after D" is the N-th working day strictly
after D: D is day 0 even when it is a working day. A date reached by weeks, months or calendar days
that is not a working day moves back to the preceding working day, so a deadline is never later
than the rule allows.

Pure domain: no I/O. Bank holidays come from the pinned `holidays` package, which is data. An
offset ("5 working days", "4 weeks before") is a value of its own, in offsets.py.

Speed: deadlines are recomputed in bulk (every open case, every tick, every report), so the hot
path is a bisect over a precomputed list of working-day ordinals. Which days were skipped, and the
sentences explaining them, are worked out only when someone asks a result for them.
"""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from types import MappingProxyType
from typing import NamedTuple

import holidays

from .offsets import NO_OFFSET, Offset, plural, shift_months, working_day_offset

__all__ = ["ComputedDate", "Offset", "SkippedDay", "WorkingDayCalendar"]

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Precomputed on construction: covers the product's working life; other years are added on demand.
_FIRST_YEAR, _LAST_YEAR = 2015, 2045
# When a computation leaves the table, grow it by this many years more, so it rarely happens twice.
_GROWTH_YEARS = 10
_MIN_ORDINAL, _MAX_ORDINAL = dt.date.min.toordinal(), dt.date.max.toordinal()


def _fmt(day: dt.date) -> str:
    """How every explanation writes a date: ISO, so it sorts and parses, plus the weekday."""
    return f"{day.isoformat()} ({_DAY_NAMES[day.weekday()][:3]})"


def _listing(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _as_date(value: object) -> dt.date:
    if type(value) is dt.date:
        return value
    # datetime is a subclass of date; a business date with a time of day is a caller's bug, and
    # letting it through would make comparisons with plain dates fail far from the cause.
    if isinstance(value, dt.datetime):
        raise TypeError(f"expected a calendar date, got a datetime: {value!r}; pass value.date()")
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    raise TypeError(f"expected a datetime.date, got {type(value).__name__}: {value!r}")


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A non-working day a computation passed over or moved back from, and why it is not worked."""

    date: dt.date
    reason: str

    def __str__(self) -> str:
        # "2026-12-26 (Saturday)", "2026-12-25 (Fri, bank holiday: Christmas Day)"
        if self.reason in _DAY_NAMES:
            return f"{self.date.isoformat()} ({self.reason})"
        return f"{self.date.isoformat()} ({_DAY_NAMES[self.date.weekday()][:3]}, {self.reason})"


@dataclass(frozen=True)
class ComputedDate:
    """A computed date that can explain itself.

    `date` is the answer; `start` the date counted from; `offset` what was applied; `rolled_from`
    the date the arithmetic first landed on when that was not a working day (and so `date` is the
    preceding working day). `description`, `skipped` and `explanation` are worked out on first
    use from the calendar that produced the result, so the bulk path only pays for the date.
    """

    date: dt.date
    start: dt.date
    offset: Offset
    rolled_from: dt.date | None = None
    # Kept to explain the result later; not part of its identity.
    calendar: WorkingDayCalendar | None = field(default=None, repr=False, compare=False)

    @cached_property
    def description(self) -> str:
        """A short human phrase: "15 working days after 2026-12-21 (Mon)"."""
        if self.offset.is_zero:
            return f"the start date itself, {_fmt(self.start)}"
        direction = "after" if self.offset.sign > 0 else "before"
        return f"{self.offset.describe()} {direction} {_fmt(self.start)}"

    @cached_property
    def skipped(self) -> tuple[SkippedDay, ...]:
        """Each non-working day the count passed over or the date moved back from, in date order."""
        if self.calendar is None or self.offset.is_zero:
            return ()
        s, r = self.start.toordinal(), self.date.toordinal()
        if self.rolled_from is not None:
            return self.calendar._non_working_days(r + 1, self.rolled_from.toordinal())
        if self.offset.working_days > 0:
            return self.calendar._non_working_days(s + 1, r)
        if self.offset.working_days < 0:
            return self.calendar._non_working_days(r, s - 1)
        return ()

    @property
    def explanation(self) -> str:
        """The whole computation in one sentence, naming each skipped day and why."""
        days = _listing([str(day) for day in self.skipped])
        if self.offset.is_zero:
            note = ""
            if self.calendar is not None and (why := self.calendar.reason_not_working(self.date)):
                note = f", and it is kept although it is not a working day ({why})"
            return (f"{_fmt(self.date)} is the start date itself: an offset of 0 counts and moves "
                    f"nothing{note}.")
        if self.offset.working_days:
            count = plural(len(self.skipped), "non-working day")
            passed = (f"counting passed over {count}: {days}"
                      if self.skipped else "no non-working day fell in between")
            return f"{_fmt(self.date)} is {self.description}; {passed}."
        if self.rolled_from is None:
            return f"{_fmt(self.date)} is {self.description}, and it is a working day."
        return (f"{_fmt(self.rolled_from)} is {self.description} but is not a working day, so the "
                f"date moves back to the preceding working day, {_fmt(self.date)}, passing over "
                f"{days}.")

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of the calendar API: {"date", "skipped": [{"date", "reason"}], …}."""
        return {
            "date": self.date.isoformat(),
            "start": self.start.isoformat(),
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "skipped": [{"date": d.date.isoformat(), "reason": d.reason} for d in self.skipped],
            "description": self.description,
            "explanation": self.explanation,
        }


# ---------------------------------------------------------------------------------------------
# The calendar


@cache
def _bank_holidays(year: int) -> tuple[tuple[int, str], ...]:
    """England and Wales bank holidays of one year as (ordinal, name), shared by every calendar.

    Country GB with subdivision ENG: the bare "UK" calendar lacks Easter Monday and the August
    bank holiday. The library marks a substitute day "(observed)"; gov.uk says "substitute day".
    """
    found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return tuple(sorted((day.toordinal(), _gov_uk_name(name)) for day, name in found.items()))


def _gov_uk_name(name: str) -> str:
    # "Boxing Day (observed)" -> "substitute day for Boxing Day"; "; " joins two holidays on one day
    return "; ".join(f"substitute day for {part[:-len(' (observed)')]}"
                     if part.endswith(" (observed)") else part for part in name.split("; "))


class _Table(NamedTuple):
    """The precomputed calendar for whole years [first, last], swapped in one assignment."""

    first: int                 # ordinal of 1 January of the first year covered
    last: int                  # ordinal of 31 December of the last year covered
    ordinals: list[int]        # working days, ascending
    dates: list[dt.date]       # the same days as dates, so the hot path builds no date
    working: frozenset[int]
    off_reasons: dict[int, str]  # weekdays that are not worked, with the reason


class WorkingDayCalendar:
    """Working days in England for one partnership: weekdays, less bank holidays and closures."""

    def __init__(self, closures: Mapping[dt.date, str] = MappingProxyType({})) -> None:
        checked: dict[dt.date, str] = {}
        for day, name in closures.items():
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"local closure {day!r} needs a name, got {name!r}")
            checked[_as_date(day)] = name.strip()
        self._closures = MappingProxyType(dict(sorted(checked.items())))
        self._lock = threading.Lock()
        self._table = self._build(_FIRST_YEAR, _LAST_YEAR)

    def __repr__(self) -> str:
        return f"WorkingDayCalendar(closures={dict(self._closures)!r})"

    def __reduce__(self) -> tuple[type[WorkingDayCalendar], tuple[dict[dt.date, str]]]:
        # A lock does not pickle; the closures are all that define a calendar.
        return (WorkingDayCalendar, (dict(self._closures),))

    @property
    def closures(self) -> Mapping[dt.date, str]:
        return self._closures

    # --- what a day is -------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        o = _as_date(day).toordinal()
        return o in self._covering(o, o).working

    def reason_not_working(self, day: dt.date) -> str | None:
        """Why a day is not worked ("Saturday", "bank holiday: Christmas Day", "local closure: …"),
        or None for a working day. A weekend day is reported as such even when it is also a bank
        holiday, because the holiday then moves to a substitute weekday which is named in turn."""
        o = _as_date(day).toordinal()
        weekday = (o - 1) % 7  # ordinal 1 (1 January of year 1) was a Monday
        if weekday >= 5:
            return _DAY_NAMES[weekday]
        return self._covering(o, o).off_reasons.get(o)

    # --- counting ------------------------------------------------------------------------------

    def add_working_days(self, start: dt.date, n: int) -> ComputedDate:
        """The n-th working day strictly after `start` (strictly before it when n < 0).

        `start` is day 0 even when it is a working day, so 5 working days after Monday 5 January
        2026 is Monday 12 January. n == 0 returns `start` itself, unmoved even if it is not a
        working day: no count was asked for, and moving it would invent one.
        """
        if type(start) is not dt.date:
            start = _as_date(start)
        s = start.toordinal()
        first, last, ordinals, dates, _, _ = self._table
        if n > 0:
            i = bisect_right(ordinals, s) + n - 1
            if s < first or i >= len(ordinals):
                return self._add_working_days_extending(start, n)
        elif n < 0:
            i = bisect_left(ordinals, s) + n
            if s > last or i < 0:
                return self._add_working_days_extending(start, n)
        else:
            return ComputedDate(start, start, NO_OFFSET, None, self)
        return ComputedDate(dates[i], start, working_day_offset(n), None, self)

    def add_calendar_days(self, start: dt.date, n: int) -> ComputedDate:
        return self.apply(start, Offset(calendar_days=n))

    def add_weeks(self, start: dt.date, n: int) -> ComputedDate:
        return self.apply(start, Offset(weeks=n))

    def add_months(self, start: dt.date, n: int) -> ComputedDate:
        return self.apply(start, Offset(months=n))

    def apply(self, start: dt.date, offset: Offset) -> ComputedDate:
        """Apply any offset. Working days count; weeks, months and calendar days land on a date,
        which moves back to the preceding working day when it is not one (also for offsets that
        plan backward, so a "4 weeks before" date is never later than four weeks before)."""
        start = _as_date(start)
        if offset.working_days or offset.is_zero:
            result = self.add_working_days(start, offset.working_days)
            return result if result.offset == offset else ComputedDate(
                result.date, start, offset, None, self)
        landed = shift_months(start, offset.months) + dt.timedelta(
            days=7 * offset.weeks + offset.calendar_days)
        o = landed.toordinal()
        span = 31
        while True:
            table = self._covering(max(o - span, _MIN_ORDINAL), o)
            if o in table.working:
                return ComputedDate(landed, start, offset, None, self)
            i = bisect_left(table.ordinals, o) - 1
            if i >= 0:
                return ComputedDate(table.dates[i], start, offset, landed, self)
            if o - span <= _MIN_ORDINAL:
                raise OverflowError(f"no working day on or before {landed}")
            span *= 4  # a closure longer than a month: look further back

    # --- internals -----------------------------------------------------------------------------

    def _add_working_days_extending(self, start: dt.date, n: int) -> ComputedDate:
        """Slow path: the count leaves the precomputed years, so grow the table and count again."""
        s = start.toordinal()
        reach = abs(n) * 3 // 2 + 31  # n working days never span more than this many days
        while True:
            lo, hi = (s, s + reach) if n > 0 else (s - reach, s)
            if lo < _MIN_ORDINAL or hi > _MAX_ORDINAL:
                raise OverflowError(f"{n} working days from {start} leaves the supported dates")
            table = self._covering(lo, hi)
            if n > 0:
                i = bisect_right(table.ordinals, s) + n - 1
                if i < len(table.ordinals):
                    return ComputedDate(table.dates[i], start, working_day_offset(n), None, self)
            else:
                i = bisect_left(table.ordinals, s) + n
                if i >= 0:
                    return ComputedDate(table.dates[i], start, working_day_offset(n), None, self)
            reach *= 2  # long closures: the estimate was short

    def _covering(self, lo: int, hi: int) -> _Table:
        table = self._table
        if table.first <= lo and hi <= table.last:
            return table
        with self._lock:  # one thread grows the table; readers keep using the old one meanwhile
            table = self._table
            if not (table.first <= lo and hi <= table.last):
                first_year = dt.date.fromordinal(table.first).year
                last_year = dt.date.fromordinal(table.last).year
                if lo < table.first:
                    first_year = max(1, dt.date.fromordinal(lo).year - _GROWTH_YEARS)
                if hi > table.last:
                    last_year = min(9999, dt.date.fromordinal(hi).year + _GROWTH_YEARS)
                self._table = table = self._build(first_year, last_year)
            return table

    def _build(self, first_year: int, last_year: int) -> _Table:
        first = dt.date(first_year, 1, 1).toordinal()
        last = dt.date(last_year, 12, 31).toordinal()
        off_reasons: dict[int, str] = {}
        # Closures first, so a bank holiday that is also a closure day is named as the holiday.
        for day, name in self._closures.items():
            off_reasons[day.toordinal()] = f"local closure: {name}"
        # A neighbouring year's substitute day can fall inside the range, so ask one year wider.
        for year in range(max(1, first_year - 1), min(9999, last_year + 1) + 1):
            for o, name in _bank_holidays(year):
                off_reasons[o] = f"bank holiday: {name}"
        ordinals = [o for o in range(first, last + 1)
                    if (o - 1) % 7 < 5 and o not in off_reasons]
        off_reasons = {o: why for o, why in off_reasons.items()
                       if first <= o <= last and (o - 1) % 7 < 5}
        return _Table(first, last, ordinals, [dt.date.fromordinal(o) for o in ordinals],
                      frozenset(ordinals), off_reasons)

    def _non_working_days(self, lo: int, hi: int) -> tuple[SkippedDay, ...]:
        """The non-working days with ordinals in [lo, hi], each with its reason."""
        if hi < lo:
            return ()
        table = self._covering(lo, hi)
        skipped = []
        for o in range(lo, hi + 1):
            if o not in table.working:
                weekday = (o - 1) % 7
                reason = _DAY_NAMES[weekday] if weekday >= 5 else table.off_reasons[o]
                skipped.append(SkippedDay(dt.date.fromordinal(o), reason))
        return tuple(skipped)
