"""The figures as CSV a spreadsheet opens: a figure's ``rows`` when it has them, else measure/value pairs.
Every cell passes through ``neutralise``, so a theme written as ``=HYPERLINK(...)`` is text, never a formula."""
from __future__ import annotations

import csv
import io
from typing import Any

from safeguard_shared.spreadsheets import neutralise


def _label(item: dict[str, Any], index: int) -> str:
    for k in ("key", "theme", "reason", "agency", "review", "survey"):
        if isinstance(item.get(k), str):
            return str(item[k])
    return str(index)


def flatten(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Nested figures as (measure, value) pairs: ``cases.by_stage.rapid_review, 1``."""
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out.extend(flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [(path, "; ".join(str(v) for v in value))]
        items: list[tuple[str, Any]] = []
        for i, v in enumerate(value):
            items.extend(flatten(v, f"{path}.{_label(v, i) if isinstance(v, dict) else i}"))
        return items
    return [(path, value)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return neutralise("; ".join(f"{k}={v}" for k, v in value.items()))
    return neutralise(value)


def to_csv(name: str, figure: dict[str, Any]) -> str:
    """A table a spreadsheet opens: the figure's ``rows`` when it has them, else measure/value pairs."""
    buf = io.StringIO()
    # RFC 4180's CRLF: the csv module then quotes a cell holding a carriage return, which would
    # otherwise split the row in a spreadsheet.
    rows = figure.get("rows") if name != "annual" else None
    if rows is not None:
        columns: list[str] = []
        for r in rows:
            columns.extend(k for k in r if k not in columns)
        table = csv.writer(buf, lineterminator="\r\n")
        table.writerow([neutralise(c) for c in columns or ["none"]])
        for r in rows:
            table.writerow([_cell(r.get(k)) for k in columns])
        return buf.getvalue()
    pairs = csv.writer(buf, lineterminator="\r\n")
    pairs.writerow(["measure", "value"])
    for measure, value in flatten({k: v for k, v in figure.items() if k != "rows"}):
        pairs.writerow([neutralise(measure), _cell(value)])
    return buf.getvalue()
