"""The board's dashboard: the reporting service's aggregate figures, read as the signed-in person.

Reporting decides who may read its figures (board members and other reporting readers, the business
unit, QA leads, the chair, admins); a refusal is its 403, shown as the "refused" page. Every figure
is aggregate (counts, shares, medians by agency, stage, timescale or theme), so nothing here names a
child, an adult or a case. The page shows the figures as tables, in words: the timescales in the
scheduling rules' own words (reporting carries them as ``what``), codes as the board's words.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..adapters.reporting_api import ReportingApi
from . import cases
from .words import AGENCY_NAMES, STATUS_NAMES

FIGURES = ("summary", "timeliness", "overdue", "learning-themes", "annual")
DASHBOARD_READERS = frozenset({"reporting_reader", "business_unit", "qa_lead", "independent_chair", "admin"})

# The codes reporting's figures carry (its stages, deadline statuses and groups), in the board's words.
REPORT_WORDS = {
    **STATUS_NAMES, **AGENCY_NAMES,
    "child": "Children (rapid review)", "adult": "Adults (safeguarding adult review)",
    "referral": "Referral received", "scoping": "Scoping the rapid review",
    "final_report_sent": "Final report sent to the Panel",
    "sar_referral": "SAR referral received", "sar_screened": "Screened", "sar_scoping": "Scoping",
    "sar_scoping_reviewed": "Scoping reviewed", "sar_decided": "Decision made",
    "sar_commissioned": "Review commissioned", "sar_signed_off": "Signed off by the board",
    "sar_published": "Published", "sar_learning_event_held": "Learning event held",
    "sar_not_convened": "No review convened",
    "pending": "Not yet due", "due_soon": "Due soon", "overdue": "Overdue", "met": "Met",
    "waived": "Waived", "paused": "Paused", "closed": "Closed when the pathway ended",
    "reviews": "Reviews: the statutory and framework timescales", "audits": "Multi-agency case file audits",
    "training": "Training follow-up surveys",
    "cspr": "Child safeguarding practice review", "alternative_review": "Another kind of learning review",
    "no_review": "No further review", "endorsed": "The Panel agreed with the decision",
    "challenged": "The Panel challenged the decision",
    "accepted_as_completed_review": "The Panel accepted the rapid review as the completed review",
}
GROUPS = ("reviews", "audits", "training")


def share(value: float | None) -> str:
    """A share as a whole percentage; none when nothing was counted."""
    return "No figure yet" if value is None else f"{round(value * 100)}%"


def days(value: float | None) -> str:
    if value is None:
        return "No figure yet"
    whole = int(value) if float(value).is_integer() else round(value, 1)
    return f"{whole} day" if whole == 1 else f"{whole} days"


@dataclass
class Dashboard:
    summary: dict[str, Any]
    timeliness: dict[str, Any]
    overdue: dict[str, Any]
    themes: dict[str, Any]
    annual: dict[str, Any]

    def timeliness_rows(self, group: str) -> list[dict[str, Any]]:
        """One group's timescales, read apart from the others (a late survey is not a late review)."""
        return [r for r in self.timeliness.get("rows") or [] if r.get("group") == group]

    @property
    def reviews_on_time(self) -> float | None:
        return ((self.timeliness.get("by_group") or {}).get("reviews") or {}).get("share_on_time")

    @property
    def year_label(self) -> str:
        return str((self.annual.get("year") or {}).get("label") or "")

    @property
    def year_first(self) -> int | None:
        started = str((self.annual.get("year") or {}).get("from") or "")
        return int(started[:4]) if started[:4].isdigit() else None

    @property
    def year_start_month(self) -> int:
        """The month the partnership's reporting year starts in (April unless reporting is set otherwise)."""
        started = str((self.annual.get("year") or {}).get("from") or "")
        return int(started[5:7]) if started[5:7].isdigit() else 4


def years_offered(today: date, chosen: int | None, start_month: int = 4) -> list[int]:
    """The reporting years the page lets a reader choose: the one running today and the three before
    it. From January to March the year that starts in April has not begun, so it is not offered."""
    current = today.year if today.month >= start_month else today.year - 1
    years = list(range(current, current - 4, -1))
    return years if chosen is None or chosen in years else [chosen, *years]


async def dashboard(api: ReportingApi, token: str, year: int | None = None) -> Dashboard:
    """Every figure at once (one request each, in parallel); the year chooses the annual report's."""
    answers = await asyncio.gather(*(api.figure(token, name, year if name == "annual" else None)
                                     for name in FIGURES))
    summary, timeliness, overdue, themes, annual = (dict(cases.expect(a, 200)) for a in answers)
    return Dashboard(summary=summary, timeliness=timeliness, overdue=overdue, themes=themes, annual=annual)
