"""Reviews: every rapid review, CSPR and SAR, with when it started and concluded (no identifier)."""
from __future__ import annotations

from datetime import date

from .snapshot import Figure, Row, Snapshot, median, tally

REVIEW_KINDS = ("rapid_review", "cspr", "sar")


def _first(dates: dict[str, date], *names: str) -> date | None:
    for n in names:
        if dates.get(n):
            return dates[n]
    return None


def review_spans(case: Row) -> list[Row]:
    """Each review a case holds: its kind, when it started and concluded (None while ongoing)."""
    d = case.get("dates") or {}
    out: list[Row] = []
    if case.get("pathway") == "child" and case.get("rapid_review"):
        out.append({"review": "rapid_review", "started": _first(d, "became_aware_on", "received_on"),
                    "concluded": _first(d, "rapid_review_completed", "rr_decided_on"),
                    "outcome": case.get("rr_decision")})
    if case.get("pathway") == "child" and case.get("rr_decision") == "cspr":
        out.append({"review": "cspr", "started": _first(d, "decision_on", "cspr_decided", "rr_decided_on"),
                    "concluded": _first(d, "published_on", "cspr_published"),
                    "outcome": "published" if _first(d, "published_on", "cspr_published") else None})
    if case.get("pathway") == "adult" and _first(d, "commissioned_on", "sar_commissioned", "sar_agreed"):
        out.append({"review": "sar", "started": _first(d, "commissioned_on", "sar_commissioned", "sar_agreed"),
                    "concluded": _first(d, "signed_off_on", "signed_off"),
                    "outcome": "signed_off" if _first(d, "signed_off_on", "signed_off") else None})
    for r in out:
        r["referral_source"] = case.get("referring_agency") or "unknown"
        r["received"] = case.get("received_on") or d.get("received_on")
        r["case"] = case
    return out


def reviews(snap: Snapshot) -> Figure:
    """Completion time and referral source for every review (one row each, with no identifier)."""
    spans = [s for c in snap.cases for s in review_spans(c)]
    rows: list[Row] = []
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
