"""A deadline's life: pending → due soon → overdue (escalated at intervals), or met, paused, waived.

Pure functions of dates and the calendar. Transitions fire at day boundaries in Europe/London:
the reminder at the start of the day that is the lead time before the due date, "missed" at the end
of the due day (the start of the next calendar day), escalations every N working days after that.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from safeguard_shared.partnership import LONDON

from .calendar import WorkingDayCalendar

OPEN_STATUSES = ("pending", "due_soon", "overdue")


@dataclass(frozen=True)
class ReminderPolicy:
    lead_working_days: int = 2
    escalate_every_working_days: int = 2


def start_of_day(d: date) -> datetime:
    """The instant a London calendar day begins, in UTC (handles the clocks changing)."""
    return datetime.combine(d, time(0), tzinfo=LONDON).astimezone(UTC)


def london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


@dataclass(frozen=True)
class Transition:
    kind: str  # due_soon | missed | escalated
    at: datetime
    new_status: str


def next_transition(status: str, due: date, escalations: int, calendar: WorkingDayCalendar,
                    policy: ReminderPolicy) -> Transition | None:
    if status == "pending":
        lead = policy.lead_working_days
        reminder_day = calendar.add_working_days(due, -lead).date if lead else due
        return Transition("due_soon", start_of_day(reminder_day), "due_soon")
    if status == "due_soon":
        return Transition("missed", start_of_day(due + timedelta(days=1)), "overdue")
    if status == "overdue":
        step = policy.escalate_every_working_days * (escalations + 1)
        return Transition("escalated", start_of_day(calendar.add_working_days(due, step).date), "overdue")
    return None  # met, paused, waived: nothing will happen by itself


def working_days_between(calendar: WorkingDayCalendar, start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign > 0 else (end, start)
    count, day = 0, lo
    while day < hi:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return sign * count


@dataclass(frozen=True)
class Outcome:
    on_time: bool
    working_days_late: int
    target_met: bool | None
    outside_window: bool


def assess_met(calendar: WorkingDayCalendar, *, met_on: date, due: date, target: date | None,
               window_start: date | None) -> Outcome:
    late = max(0, working_days_between(calendar, due, met_on))
    # A duty with a window (the rapid review meeting: 7 to 13 working days) is on time only inside it.
    early = window_start is not None and met_on < window_start
    return Outcome(on_time=met_on <= due and not early, working_days_late=late,
                   target_met=(met_on <= target) if target else None,
                   outside_window=window_start is not None and (met_on < window_start or met_on > due))
