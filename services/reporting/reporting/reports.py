"""The figures the service publishes, by name: each one JSON, CSV, and (the annual report) HTML and PDF."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .domain import figures as F


@dataclass(frozen=True)
class Context:
    today: date
    year_start_month: int = 4
    year: int | None = None  # the annual report's year; default: the year containing today

    @property
    def reporting_year(self) -> F.Year:
        if self.year is None:
            return F.Year.containing(self.today, self.year_start_month)
        return F.Year.of(self.year, self.year_start_month)


Figure = Callable[[F.Snapshot, Context], dict]

FIGURES: dict[str, Figure] = {
    "summary": lambda s, c: F.summary(s, c.today),
    "cases": lambda s, c: F.cases(s),
    "timeliness": lambda s, c: F.timeliness(s),
    "overdue": lambda s, c: F.overdue(s, c.today),
    "scoping-returns": lambda s, c: F.scoping_returns(s),
    "reviews": lambda s, c: F.reviews(s),
    "action-plans": lambda s, c: F.action_plans(s),
    "audits": lambda s, c: F.audits(s),
    "learning-themes": lambda s, c: F.learning_themes(s),
    "training": lambda s, c: F.training(s),
    "notifications": lambda s, c: F.notifications(s),
    "annual": lambda s, c: F.annual(s, c.reporting_year),
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


def compute(name: str, snap: F.Snapshot, ctx: Context) -> dict:
    return FIGURES[name](snap, ctx)


# --- CSV ---------------------------------------------------------------------------------------------------

def _label(item: dict, index: int) -> str:
    for k in ("key", "theme", "reason", "agency", "review", "survey"):
        if isinstance(item.get(k), str):
            return item[k]
    return str(index)


def flatten(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Nested figures as (measure, value) pairs: ``cases.by_stage.rapid_review, 1``."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out.extend(flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [(path, "; ".join(str(v) for v in value))]
        out = []
        for i, v in enumerate(value):
            out.extend(flatten(v, f"{path}.{_label(v, i) if isinstance(v, dict) else i}"))
        return out
    return [(path, value)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value


def to_csv(name: str, figure: dict) -> str:
    """A table a spreadsheet opens: the figure's ``rows`` when it has them, else measure/value pairs."""
    buf = io.StringIO()
    rows = figure.get("rows") if name != "annual" else None
    if rows is not None:
        columns: list[str] = []
        for r in rows:
            columns.extend(k for k in r if k not in columns)
        writer = csv.DictWriter(buf, fieldnames=columns or ["none"], lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: _cell(r.get(k)) for k in columns})
        return buf.getvalue()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["measure", "value"])
    for measure, value in flatten({k: v for k, v in figure.items() if k != "rows"}):
        writer.writerow([measure, _cell(value)])
    return buf.getvalue()
