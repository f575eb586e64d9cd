"""What the figures are computed from: the read models as plain rows, a reporting year, and the
few counting helpers every figure shares. No I/O.

Definitions the board can rely on:
- a deadline is *on time* when it was met by its due date; *share on time* is the deadlines met on
  time over those whose outcome is known (met, on time or late, plus those overdue now);
- *working days late* come from the scheduling service's calendar (0 when on time);
- *days elapsed* are calendar days from the date the timescale counts from (the case's received
  date, the commissioning of a SAR …) to the date it was met;
- *overdue now* is every deadline whose due day has ended without it being met, as the clock says;
  days overdue are calendar days since the due date;
- a reporting year runs from the first day of the configured month (April by default).
"""
from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .rows import (
    ActionRow,
    AuditResponseRow,
    AuditRow,
    BriefingRow,
    CaseRow,
    ConcernRow,
    DeadlineRow,
    GoodPracticeRow,
    NotificationRow,
    RecommendationRow,
    SurveyRow,
    ThemeRow,
    TrainingRow,
)

# A figure as it is published (and a row of one): JSON-ready values by name.
Figure = dict[str, Any]

PARTNERSHIP = "partnership"  # who acts when no single agency does


@dataclass
class Snapshot:
    """The read models as rows (``rows.py``)."""

    cases: list[CaseRow] = field(default_factory=list)
    deadlines: list[DeadlineRow] = field(default_factory=list)
    notifications: list[NotificationRow] = field(default_factory=list)
    audits: list[AuditRow] = field(default_factory=list)           # rows carry their ``stage``
    recommendations: list[RecommendationRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)          # rows carry their ``status``
    audit_responses: list[AuditResponseRow] = field(default_factory=list)
    concerns: list[ConcernRow] = field(default_factory=list)
    good_practice: list[GoodPracticeRow] = field(default_factory=list)
    themes: list[ThemeRow] = field(default_factory=list)           # published themes and published learning
    briefings: list[BriefingRow] = field(default_factory=list)
    training: list[TrainingRow] = field(default_factory=list)         # core training completed
    surveys: list[SurveyRow] = field(default_factory=list)          # follow-up and manager surveys

    def case_dates(self) -> dict[str, dict[str, date]]:
        return {c["case_id"]: c.get("dates") or {} for c in self.cases}


def median(values: Iterable[float | int]) -> float | int | None:
    found = list(values)
    if not found:
        return None
    m = statistics.median(found)
    return int(m) if float(m).is_integer() else round(float(m), 1)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def tally(values: Iterable[str | None], missing: str = "unknown") -> dict[str, int]:
    counted = Counter(v if v is not None else missing for v in values)
    return {k: counted[k] for k in sorted(counted)}


def who(deadline: DeadlineRow) -> str:
    """The agency that must act on a deadline: its own agency, else the rule's, else the partnership."""
    return str(deadline.get("agency") or deadline.get("who_agency") or PARTNERSHIP)


@dataclass(frozen=True)
class Year:
    """A reporting year: ``Year.of(2026, 4)`` runs from 1 April 2026 to 31 March 2027."""

    first: date
    last: date

    @classmethod
    def of(cls, year: int, start_month: int = 4) -> Year:
        first = date(year, start_month, 1)
        nxt = date(year + 1, start_month, 1)
        return cls(first, nxt - timedelta(days=1))

    @classmethod
    def containing(cls, day: date, start_month: int = 4) -> Year:
        return cls.of(day.year if day.month >= start_month else day.year - 1, start_month)

    @property
    def label(self) -> str:
        if self.first.month == 1:
            return str(self.first.year)
        return f"{self.first.year}-{str(self.last.year)[2:]}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "from": self.first.isoformat(), "to": self.last.isoformat()}
