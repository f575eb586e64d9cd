"""The figures the service publishes, by name, computed from a snapshot of the read models.

No I/O, and nothing that identifies anyone: every figure is a count, a share, a median or a category
(an agency, a stage, a timescale, a theme), never a case id, a reference or a date of birth. The
definitions are in ``snapshot.py``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .annual import annual
from .reviews import reviews
from .snapshot import Figure, Snapshot, Year
from .timeliness import overdue, scoping_returns, timeliness
from .work import action_plans, audits, cases, learning_themes, notifications, summary, training


@dataclass(frozen=True)
class Context:
    """What a figure is read against: today, and the reporting year."""

    today: date
    year_start_month: int = 4
    year: int | None = None  # the annual report's year; default: the year containing today

    @property
    def reporting_year(self) -> Year:
        if self.year is None:
            return Year.containing(self.today, self.year_start_month)
        return Year.of(self.year, self.year_start_month)


FIGURES: dict[str, Callable[[Snapshot, Context], Figure]] = {
    "summary": lambda s, c: summary(s, c.today),
    "cases": lambda s, c: cases(s),
    "timeliness": lambda s, c: timeliness(s),
    "overdue": lambda s, c: overdue(s, c.today),
    "scoping-returns": lambda s, c: scoping_returns(s),
    "reviews": lambda s, c: reviews(s),
    "action-plans": lambda s, c: action_plans(s),
    "audits": lambda s, c: audits(s),
    "learning-themes": lambda s, c: learning_themes(s),
    "training": lambda s, c: training(s),
    "notifications": lambda s, c: notifications(s),
    "annual": lambda s, c: annual(s, c.reporting_year),
}

DESCRIPTIONS = {
    "summary": "Open cases by pathway and stage, deadlines by status, notifications sent, audits: the headline "
               "figures.",
    "cases": "Cases by pathway, stage and referral source; open, concluded and returned referrals.",
    "timeliness": "Each statutory timescale: met on time, late, overdue now, share on time and medians.",
    "overdue": "Work overdue now, by agency and by step.",
    "scoping-returns": "Scoping returns per agency: on time, late, overdue and outstanding.",
    "reviews": "Completion time and referral source for every rapid review, CSPR and SAR (no identifiers).",
    "action-plans": "Action plans by status and owning agency; review recommendations by owning agency.",
    "audits": "Multi-agency case file audits by kind and stage, their themes and findings.",
    "learning-themes": "Learning themes across reviews and audits.",
    "training": "Training follow-up surveys: response rates and reported impact.",
    "notifications": "Statutory notifications and messages sent, by recipient.",
    "annual": "The annual report's data for a reporting year (?year=YYYY).",
}


def compute(name: str, snap: Snapshot, ctx: Context) -> Figure:
    return FIGURES[name](snap, ctx)


__all__ = ["DESCRIPTIONS", "FIGURES", "Context", "Snapshot", "Year", "compute", "summary"]
