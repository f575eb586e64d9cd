"""How far a date lies from its anchor (``Offset``), and the calendar-month arithmetic it needs.

Pure values, no calendar: which days are worked is the WorkingDayCalendar's business (calendar.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

__all__ = ["NO_OFFSET", "Offset", "plural", "shift_months", "working_day_offset"]


def plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


@dataclass(frozen=True, slots=True)
class Offset:
    """How far a date lies from its anchor: "5 working days", "4 weeks before", "5 months and 15
    days".

    Months are applied first, then weeks and calendar days (the way people count "five and a half
    months": five calendar months, then the days). Working days stand alone: a count of working
    days has no fixed length, so adding it to a month would make the order of operations matter.
    All parts point the same way; a negative offset counts backward ("7 working days before").
    """

    working_days: int = 0
    weeks: int = 0
    months: int = 0
    calendar_days: int = 0

    def __post_init__(self) -> None:
        parts = (self.working_days, self.weeks, self.months, self.calendar_days)
        for name, value in zip(("working_days", "weeks", "months", "calendar_days"), parts, strict=True):
            if type(value) is not int:
                raise TypeError(f"Offset.{name} must be an int, got {value!r}")
        if self.working_days and (self.weeks or self.months or self.calendar_days):
            raise ValueError("working days cannot be combined with weeks, months or calendar days")
        if len({value > 0 for value in parts if value}) > 1:
            raise ValueError("an offset cannot count forward and backward at once")

    @property
    def sign(self) -> int:
        """1 for "after", -1 for "before", 0 for "on the anchor date itself"."""
        for value in (self.working_days, self.months, self.weeks, self.calendar_days):
            if value:
                return 1 if value > 0 else -1
        return 0

    @property
    def is_zero(self) -> bool:
        return self.sign == 0

    def __add__(self, other: Offset) -> Offset:
        if not isinstance(other, Offset):
            return NotImplemented
        return Offset(self.working_days + other.working_days, self.weeks + other.weeks,
                      self.months + other.months, self.calendar_days + other.calendar_days)

    def times(self, k: int) -> Offset:
        """This offset k times over (the k-th occurrence of a recurring duty)."""
        return Offset(self.working_days * k, self.weeks * k, self.months * k,
                      self.calendar_days * k)

    def approx_days(self) -> float:
        """Rough length in calendar days; only for sanity checks such as "target before latest"."""
        return (self.working_days * 7 / 5 + self.weeks * 7 + self.months * 30.44
                + self.calendar_days)

    def describe(self) -> str:
        """The size of the offset in words, without direction: "5 months and 15 calendar days"."""
        words = [plural(abs(n), unit) for n, unit in (
            (self.working_days, "working day"), (self.months, "month"), (self.weeks, "week"),
            (self.calendar_days, "calendar day")) if n]
        return " and ".join(words) if words else "0 days"


NO_OFFSET = Offset()
# add_working_days builds its Offset on the hot path; reuse the few that real rules use.
_WORKING_DAY_OFFSETS: dict[int, Offset] = {n: Offset(working_days=n) for n in range(-400, 401)}


def working_day_offset(n: int) -> Offset:
    offset = _WORKING_DAY_OFFSETS.get(n)
    return offset if offset is not None else Offset(working_days=n)


def shift_months(start: dt.date, months: int) -> dt.date:
    """Calendar months: the same day of the month, or the month's last day if it has no such day
    (31 Jan + 1 month = 28 Feb, or 29 Feb in a leap year)."""
    try:
        shifted: dt.date = start + relativedelta(months=months)
    except ValueError:
        raise OverflowError(f"{start} + {months} months is outside the supported dates") from None
    return shifted
