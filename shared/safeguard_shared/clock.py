"""The injectable clock. Business dates are calendar dates in Europe/London; instants are UTC."""
from __future__ import annotations

from datetime import UTC, date, datetime

from .partnership import LONDON

__all__ = ["LONDON", "Clock", "FixedDateClock", "ManualClock", "clock_for"]


class Clock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()


class FixedDateClock(Clock):
    """A business date fixed for demos, training and acceptance tests (``safeguard up --today``).

    The time of day still moves, so instants stay ordered; only the date is pinned.
    """

    def __init__(self, business_date: date):
        self.business_date = business_date

    def now(self) -> datetime:
        real = datetime.now(LONDON)
        pinned = datetime.combine(self.business_date, real.timetz()).replace(tzinfo=LONDON)
        return pinned.astimezone(UTC)

    def today(self) -> date:
        return self.business_date


class ManualClock(Clock):
    """A clock a test moves by hand."""

    def __init__(self, at: datetime):
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)


def clock_for(today: date | None) -> Clock:
    return FixedDateClock(today) if today else Clock()
