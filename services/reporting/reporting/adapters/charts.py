"""Bar charts drawn on the server as inline SVG: no JavaScript, a text alternative (title, description)
on every chart, and the same numbers in a data table beside it. Each bar carries its figure in
``data-key`` / ``data-value`` so a test can check the drawing against the JSON."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.words import label_of
from .wording import count

ROW = 34          # px per bar
LABEL_WIDTH = 400  # px for the category labels
BAR_WIDTH = 360    # px for the longest bar
WIDTH = LABEL_WIDTH + BAR_WIDTH + 90


@dataclass
class Bar:
    key: str
    label: str
    value: float | int | None   # None: nothing to draw yet (no outcome known)
    display: str
    y: int = 0
    width: float = 0.0


@dataclass
class Chart:
    id: str
    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)
    width: int = WIDTH
    height: int = 0
    label_width: int = LABEL_WIDTH

    def layout(self, maximum: float | None = None) -> Chart:
        top = max([b.value for b in self.bars if b.value is not None] + [0])
        scale = maximum if maximum is not None else top
        for i, b in enumerate(self.bars):
            b.y = 8 + i * ROW
            b.width = round(BAR_WIDTH * (b.value or 0) / scale, 1) if scale else 0.0
        self.height = 16 + ROW * max(len(self.bars), 1)
        return self


def _percent(value: float | None) -> str:
    return "no outcome yet" if value is None else f"{round(value * 100)}%"


def timeliness_chart(timeliness: dict[str, Any]) -> Chart:
    rows = [r for r in timeliness["rows"] if r["scheduled"] and r.get("group", "reviews") == "reviews"]
    bars = [Bar(r["key"], r["what"], r["share_on_time"], _percent(r["share_on_time"])) for r in rows]
    known = [b for b in bars if b.value is not None]
    best = max(known, key=lambda b: b.value or 0, default=None)
    worst = min(known, key=lambda b: b.value or 0, default=None)
    desc = (f"Share of deadlines met on time for {count(len(bars), 'timescale', 'timescales')} of the reviews. "
            + (f"Highest: {best.label}, {best.display}. Lowest: {worst.label}, {worst.display}."
               if best and worst else "No deadline has an outcome yet."))
    return Chart("chart-timeliness", "Share met on time, by statutory timescale", desc, bars).layout(1.0)


def overdue_chart(overdue: dict[str, Any]) -> Chart:
    bars = [Bar(r["agency"], label_of(r["agency"]), r["overdue"], str(r["overdue"]))
            for r in overdue["by_agency"]]
    desc = (f"{count(overdue['total'], 'deadline', 'deadlines')} overdue now across "
            f"{count(len(bars), 'agency', 'agencies')}. "
            + ", ".join(f"{b.label}: {b.display}" for b in bars[:5]) + ("." if bars else " Nothing is overdue."))
    return Chart("chart-overdue", "Work overdue now, by agency", desc, bars).layout()


def overdue_step_chart(overdue: dict[str, Any]) -> Chart:
    bars = [Bar(r["key"], r["what"], r["overdue"], str(r["overdue"])) for r in overdue["by_step"]]
    desc = (f"{count(overdue['total'], 'deadline', 'deadlines')} overdue now across "
            f"{count(len(bars), 'step', 'steps')}. "
            + ", ".join(f"{b.label}: {b.display}" for b in bars[:5]) + ("." if bars else " Nothing is overdue."))
    return Chart("chart-overdue-steps", "Work overdue now, by step", desc, bars).layout()
