"""Deadlines against their timescales: timeliness by rule, work overdue now, scoping returns.

Each rule is shown in its own words, as the scheduling service described it when the deadline was
scheduled (the newest description when a partnership changed the rule during the year).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from .measures import DAYS_ELAPSED, label, measured, sort_key
from .rows import DeadlineRow
from .snapshot import PARTNERSHIP, Figure, Snapshot, median, share, who
from .words import GROUPS, group_of


def descriptions(deadlines: list[DeadlineRow]) -> dict[str, str]:
    """Each rule key's words: the description of its most recently scheduled deadline."""
    newest: dict[str, tuple[date, str]] = {}
    for d in deadlines:
        text = d.get("description")
        if not text:
            continue
        seen = (d.get("scheduled_on") or date.min, text)
        if d["key"] not in newest or seen > newest[d["key"]]:
            newest[d["key"]] = seen
    return {key: text for key, (_on, text) in newest.items()}


def _elapsed(d: DeadlineRow, dates: dict[str, dict[str, date]], counted_from: str | None) -> int | None:
    met_on, case_id = d.get("met_on"), d.get("case_id")
    if not counted_from or not met_on or not case_id:
        return None
    known = dates.get(case_id, {})
    start = known.get(f"{counted_from}@{d['agency']}") if d.get("agency") else None
    start = start or known.get(counted_from)
    return (met_on - start).days if start else None


def timeliness_row(key: str, rows: list[DeadlineRow], dates: dict[str, dict[str, date]],
                   what: str | None = None) -> Figure:
    scale = measured(key)
    status = Counter(r.get("status") for r in rows)
    met = [r for r in rows if r.get("status") == "met"]
    on_time = sum(1 for r in met if r.get("on_time"))
    overdue = status["overdue"]
    targeted = [r for r in met if r.get("target_met") is not None]
    out: Figure = {
        "key": key, "what": what or descriptions(rows).get(key) or label(key), "group": group_of(key),
        "measure": scale.measure,
        "scheduled": len(rows), "met": len(met), "met_on_time": on_time, "met_late": len(met) - on_time,
        "overdue": overdue, "pending": status["pending"] + status["due_soon"], "paused": status["paused"],
        "waived": status["waived"],
        # Clocks a pathway's ending made moot (a SAR screened out, not convened): neither met nor missed.
        "closed": status["closed"],
        "share_on_time": share(on_time, len(met) + overdue),
        "median_working_days_late": median((r.get("working_days_late") or 0) for r in met),
        "median_days_elapsed": median(e for e in (_elapsed(r, dates, scale.counted_from) for r in met)
                                      if e is not None),
        "target_met": sum(1 for r in targeted if r["target_met"]) if targeted else None,
        "share_target_met": share(sum(1 for r in targeted if r["target_met"]), len(targeted)),
        "outside_window": sum(1 for r in met if r.get("outside_window")),
    }
    out["median"] = out["median_days_elapsed"] if scale.measure == DAYS_ELAPSED else out["median_working_days_late"]
    return out


def timeliness(snap: Snapshot, deadlines: list[DeadlineRow] | None = None) -> Figure:
    dates = snap.case_dates()
    words = descriptions(snap.deadlines)
    grouped: dict[str, list[DeadlineRow]] = defaultdict(list)
    for d in snap.deadlines if deadlines is None else deadlines:
        grouped[d["key"]].append(d)
    rows = [timeliness_row(k, grouped[k], dates, words.get(k)) for k in sorted(grouped, key=sort_key)]
    # The reviews' timescales are read apart from the audit programme and the training follow-ups
    # (domain/words.py GROUPS); the totals over everything stay for the API's existing readers.
    return {**_totals(rows), "by_group": {g: _totals([r for r in rows if r["group"] == g]) for g in GROUPS},
            "rows": rows}


def _totals(rows: list[Figure]) -> Figure:
    met = sum(r["met"] for r in rows)
    on_time = sum(r["met_on_time"] for r in rows)
    overdue = sum(r["overdue"] for r in rows)
    return {"share_on_time": share(on_time, met + overdue), "met": met, "met_on_time": on_time, "overdue": overdue}


def overdue(snap: Snapshot, today: date) -> Figure:
    late = [d for d in snap.deadlines if d.get("status") == "overdue"]
    words = descriptions(snap.deadlines)

    def days(rows: list[DeadlineRow]) -> float | int | None:
        return median((today - r["due"]).days for r in rows)

    by_agency: dict[str, list[DeadlineRow]] = defaultdict(list)
    by_step: dict[str, list[DeadlineRow]] = defaultdict(list)
    both: dict[tuple[str, str], list[DeadlineRow]] = defaultdict(list)
    for d in late:
        by_agency[who(d)].append(d)
        by_step[d["key"]].append(d)
        both[(who(d), d["key"])].append(d)
    return {
        "as_of": today.isoformat(),
        "total": len(late),
        "median_days_overdue": days(late),
        "by_agency": [{"agency": a, "overdue": len(r), "median_days_overdue": days(r),
                       "longest_days_overdue": max((today - x["due"]).days for x in r)}
                      for a, r in sorted(by_agency.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
        "by_step": [{"key": k, "what": words.get(k) or label(k), "overdue": len(r), "median_days_overdue": days(r)}
                    for k, r in sorted(by_step.items(), key=lambda kv: (-len(kv[1]), sort_key(kv[0])))],
        "rows": [{"agency": a, "key": k, "overdue": len(r), "median_days_overdue": days(r)}
                 for (a, k), r in sorted(both.items(), key=lambda kv: (kv[0][0], sort_key(kv[0][1])))],
    }


def scoping_returns(snap: Snapshot) -> Figure:
    grouped: dict[tuple[str, str], list[DeadlineRow]] = defaultdict(list)
    for d in snap.deadlines:
        if d["key"].endswith(".scoping_returned"):
            pathway = "adult" if d["key"].startswith("sar.") else "child"
            grouped[(d.get("agency") or PARTNERSHIP, pathway)].append(d)
    rows: list[Figure] = []
    for (agency, pathway), ds in sorted(grouped.items()):
        met = [d for d in ds if d.get("status") == "met"]
        on_time = sum(1 for d in met if d.get("on_time"))
        late_now = sum(1 for d in ds if d.get("status") == "overdue")
        rows.append({"agency": agency, "pathway": pathway, "requested": len(ds), "returned": len(met),
                     "returned_on_time": on_time, "returned_late": len(met) - on_time, "overdue": late_now,
                     "outstanding": sum(1 for d in ds if d.get("status") in ("pending", "due_soon", "paused")),
                     "share_on_time": share(on_time, len(met) + late_now),
                     "median_working_days_late": median((d.get("working_days_late") or 0) for d in met)})
    totals: dict[str, Figure] = {}
    for r in rows:
        t = totals.setdefault(r["agency"], {"agency": r["agency"], "requested": 0, "returned_on_time": 0,
                                            "returned_late": 0, "overdue": 0})
        for k in ("requested", "returned_on_time", "returned_late", "overdue"):
            t[k] += r[k]
    for t in totals.values():
        t["share_on_time"] = share(t["returned_on_time"], t["returned_on_time"] + t["returned_late"] + t["overdue"])
    return {"by_agency": [totals[a] for a in sorted(totals)], "rows": rows}
