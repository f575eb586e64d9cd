"""Training impact: follow-up surveys three months after core training, and a survey to the trainee's
manager (a local default of four months). No I/O.

A survey falls due on the same day of the month that many months later (31 January + 1 month is the
last day of February); on a weekend or a bank holiday in England it goes the working day before,
never later than the framework allows — the same reading as the scheduling service's clock.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

SURVEY_FACT = {"follow_up": "follow_up_survey_sent", "manager": "manager_survey_sent"}


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def preceding_working_day(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


@lru_cache(maxsize=4096)  # an import of thousands of completions has a few hundred distinct dates
def survey_due(completed_on: date, months: int) -> date:
    return preceding_working_day(add_months(completed_on, months))


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _share(flags: list[bool]) -> float | None:
    return round(100 * sum(flags) / len(flags), 1) if flags else None


def summarise(completions: int, surveys: list[dict]) -> dict:
    """The impact figures for one group of completions: ``surveys`` are rows with kind, status, answers."""
    out = {"completions": completions}
    for kind in ("follow_up", "manager"):
        rows = [s for s in surveys if s["kind"] == kind]
        sent = [s for s in rows if s["status"] in ("sent", "answered")]
        answered = [s["answers"] for s in rows if s["status"] == "answered"]
        figures = {"sent": len(sent), "answered": len(answered),
                   "response_rate_percent": _share([s["status"] == "answered" for s in sent])}
        if kind == "follow_up":
            figures.update(
                practice_changed_percent=_share([a["practice_changed"] for a in answered]),
                mean_confidence_before=_mean([a["confidence_before"] for a in answered]),
                mean_confidence_after=_mean([a["confidence_after"] for a in answered]))
        else:
            figures.update(change_noticed_percent=_share([a["change_noticed"] for a in answered]),
                           mean_team_impact=_mean([a["team_impact"] for a in answered]))
        out[kind] = figures
    return out
