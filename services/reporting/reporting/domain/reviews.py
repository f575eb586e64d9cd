"""Reviews: every rapid review, CSPR and SAR, with when it started and concluded (no identifier)."""
from __future__ import annotations

from datetime import date
from typing import TypedDict

from .rows import CaseRow
from .snapshot import Figure, Snapshot, median, tally

REVIEW_KINDS = ("rapid_review", "cspr", "sar")


def _first(dates: dict[str, date], *names: str) -> date | None:
    for n in names:
        if dates.get(n):
            return dates[n]
    return None


class Span(TypedDict):
    """One review of a case: its kind, when it started and concluded (None while ongoing)."""

    review: str
    started: date | None
    concluded: date | None
    outcome: str | None
    referral_source: str
    received: date | None
    case: CaseRow


def review_spans(case: CaseRow) -> list[Span]:
    """Each review a case holds: its kind, when it started and concluded (None while ongoing)."""
    d = case.get("dates") or {}
    found: list[tuple[str, date | None, date | None, str | None]] = []
    if case.get("pathway") == "child" and case.get("rapid_review"):
        found.append(("rapid_review", _first(d, "became_aware_on", "received_on"),
                      _first(d, "rapid_review_completed", "rr_decided_on"), case.get("rr_decision")))
    if case.get("pathway") == "child" and case.get("rr_decision") == "cspr":
        found.append(("cspr", _first(d, "decision_on", "cspr_decided", "rr_decided_on"),
                      _first(d, "published_on", "cspr_published"),
                      "published" if _first(d, "published_on", "cspr_published") else None))
    if case.get("pathway") == "adult" and _first(d, "commissioned_on", "sar_commissioned", "sar_agreed"):
        found.append(("sar", _first(d, "commissioned_on", "sar_commissioned", "sar_agreed"),
                      _first(d, "signed_off_on", "signed_off"),
                      "signed_off" if _first(d, "signed_off_on", "signed_off") else None))
    return [Span(review=review, started=started, concluded=concluded, outcome=outcome,
                 referral_source=case.get("referring_agency") or "unknown",
                 received=case.get("received_on") or d.get("received_on"), case=case)
            for review, started, concluded, outcome in found]


def reviews(snap: Snapshot) -> Figure:
    """Completion time and referral source for every review (one row each, with no identifier)."""
    spans = [s for c in snap.cases for s in review_spans(c)]
    rows: list[Figure] = []
    for s in spans:
        end, start, received = s["concluded"], s["started"], s["received"]
        rows.append({"review": s["review"], "referral_source": s["referral_source"],
                     "status": "ongoing" if end is None else "concluded",
                     "days_to_complete": (end - start).days if end is not None and start else None,
                     "days_from_referral": (end - received).days if end is not None and received else None})
    rows.sort(key=lambda r: (REVIEW_KINDS.index(r["review"]), r["status"], r["referral_source"],
                             r["days_to_complete"] if r["days_to_complete"] is not None else -1))
    by_kind: dict[str, Figure] = {}
    for kind in REVIEW_KINDS:
        mine = [r for r in rows if r["review"] == kind]
        done = [r for r in mine if r["status"] == "concluded"]
        by_kind[kind] = {"reviews": len(mine), "concluded": len(done), "ongoing": len(mine) - len(done),
                         "median_days_to_complete": median(r["days_to_complete"] for r in done
                                                           if r["days_to_complete"] is not None),
                         "median_days_from_referral": median(r["days_from_referral"] for r in done
                                                             if r["days_from_referral"] is not None),
                         "by_referral_source": tally(r["referral_source"] for r in mine)}
    return {"by_kind": by_kind, "rows": rows}
