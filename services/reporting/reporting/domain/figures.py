"""The board's figures, computed from a snapshot of the read models. No I/O, and nothing that
identifies anyone: every figure is a count, a share, a median or a category (an agency, a stage, a
timescale, a theme), never a case id, a reference or a date of birth.

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
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from . import stages
from .timescales import DAYS_ELAPSED, describe, sort_key

PARTNERSHIP = "partnership"  # who acts when no single agency does


@dataclass
class Snapshot:
    """The read models as plain rows. ``cases`` rows carry their recorded dates under ``dates``."""

    cases: list[dict] = field(default_factory=list)
    deadlines: list[dict] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)
    recommendations: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)       # rows carry their ``status``
    audit_responses: list[dict] = field(default_factory=list)
    concerns: list[dict] = field(default_factory=list)
    good_practice: list[dict] = field(default_factory=list)
    themes: list[dict] = field(default_factory=list)        # published themes and published learning
    briefings: list[dict] = field(default_factory=list)
    training: list[dict] = field(default_factory=list)      # core training completed
    surveys: list[dict] = field(default_factory=list)       # follow-up and manager surveys

    def case_dates(self) -> dict[str, dict[str, date]]:
        return {c["case_id"]: c.get("dates") or {} for c in self.cases}


# --- small helpers ----------------------------------------------------------------------------------------

def median(values: Iterable[float | int]) -> float | int | None:
    values = list(values)
    if not values:
        return None
    m = statistics.median(values)
    return int(m) if float(m).is_integer() else round(float(m), 1)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def tally(values: Iterable[str | None], missing: str = "unknown") -> dict[str, int]:
    counted = Counter(v if v is not None else missing for v in values)
    return {k: counted[k] for k in sorted(counted)}


def _who(d: dict) -> str:
    return d.get("agency") or d.get("who_agency") or PARTNERSHIP


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

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last

    def as_dict(self) -> dict:
        return {"label": self.label, "from": self.first.isoformat(), "to": self.last.isoformat()}


# --- cases --------------------------------------------------------------------------------------------------

def cases(snap: Snapshot) -> dict:
    opened = [c for c in snap.cases if stages.stage_of(c) != "returned"]
    returned = [c for c in snap.cases if stages.stage_of(c) == "returned"]
    by_both = Counter((c.get("pathway") or "unknown", stages.stage_of(c)) for c in opened)
    return {
        "open": sum(1 for c in opened if stages.is_open(c)),
        "concluded": sum(1 for c in opened if not stages.is_open(c)),
        "returned": len(returned),
        "by_pathway": tally(c.get("pathway") for c in opened),
        "by_stage": tally(stages.stage_of(c) for c in opened),
        "by_referral_source": tally(c.get("referring_agency") for c in opened),
        "rows": [{"pathway": p, "stage": s, "cases": n} for (p, s), n in sorted(by_both.items())],
    }


# --- timeliness -----------------------------------------------------------------------------------------

def _elapsed(d: dict, dates: dict[str, dict[str, date]], counted_from: str | None) -> int | None:
    if not counted_from or not d.get("met_on") or not d.get("case_id"):
        return None
    known = dates.get(d["case_id"], {})
    start = known.get(f"{counted_from}@{d['agency']}") if d.get("agency") else None
    start = start or known.get(counted_from)
    return (d["met_on"] - start).days if start else None


def timeliness_row(key: str, rows: list[dict], dates: dict[str, dict[str, date]]) -> dict:
    scale = describe(key)
    status = Counter(r.get("status") for r in rows)
    met = [r for r in rows if r.get("status") == "met"]
    on_time = sum(1 for r in met if r.get("on_time"))
    overdue = status["overdue"]
    targeted = [r for r in met if r.get("target_met") is not None]
    out = {
        "key": key, "what": scale.what, "timescale": scale.timescale, "measure": scale.measure,
        "scheduled": len(rows), "met": len(met), "met_on_time": on_time, "met_late": len(met) - on_time,
        "overdue": overdue, "pending": status["pending"] + status["due_soon"], "paused": status["paused"],
        "waived": status["waived"],
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


def timeliness(snap: Snapshot, deadlines: list[dict] | None = None) -> dict:
    dates = snap.case_dates()
    grouped: dict[str, list[dict]] = defaultdict(list)
    for d in snap.deadlines if deadlines is None else deadlines:
        grouped[d["key"]].append(d)
    rows = [timeliness_row(k, grouped[k], dates) for k in sorted(grouped, key=sort_key)]
    met = sum(r["met"] for r in rows)
    on_time = sum(r["met_on_time"] for r in rows)
    overdue = sum(r["overdue"] for r in rows)
    return {"share_on_time": share(on_time, met + overdue), "met": met, "met_on_time": on_time,
            "overdue": overdue, "rows": rows}


# --- overdue work ---------------------------------------------------------------------------------------

def overdue(snap: Snapshot, today: date) -> dict:
    late = [d for d in snap.deadlines if d.get("status") == "overdue"]

    def days(rows: list[dict]) -> float | int | None:
        return median((today - r["due"]).days for r in rows)

    by_agency: dict[str, list[dict]] = defaultdict(list)
    by_step: dict[str, list[dict]] = defaultdict(list)
    both: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for d in late:
        by_agency[_who(d)].append(d)
        by_step[d["key"]].append(d)
        both[(_who(d), d["key"])].append(d)
    return {
        "as_of": today.isoformat(),
        "total": len(late),
        "median_days_overdue": days(late),
        "by_agency": [{"agency": a, "overdue": len(r), "median_days_overdue": days(r),
                       "longest_days_overdue": max((today - x["due"]).days for x in r)}
                      for a, r in sorted(by_agency.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
        "by_step": [{"key": k, "what": describe(k).what, "overdue": len(r), "median_days_overdue": days(r)}
                    for k, r in sorted(by_step.items(), key=lambda kv: (-len(kv[1]), sort_key(kv[0])))],
        "rows": [{"agency": a, "key": k, "overdue": len(r), "median_days_overdue": days(r)}
                 for (a, k), r in sorted(both.items(), key=lambda kv: (kv[0][0], sort_key(kv[0][1])))],
    }


# --- scoping returns ------------------------------------------------------------------------------------

def scoping_returns(snap: Snapshot) -> dict:
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for d in snap.deadlines:
        if d["key"].endswith(".scoping_returned"):
            pathway = "adult" if d["key"].startswith("sar.") else "child"
            grouped[(d.get("agency") or PARTNERSHIP, pathway)].append(d)
    rows = []
    for (agency, pathway), ds in sorted(grouped.items()):
        met = [d for d in ds if d.get("status") == "met"]
        on_time = sum(1 for d in met if d.get("on_time"))
        late_now = sum(1 for d in ds if d.get("status") == "overdue")
        rows.append({"agency": agency, "pathway": pathway, "requested": len(ds), "returned": len(met),
                     "returned_on_time": on_time, "returned_late": len(met) - on_time, "overdue": late_now,
                     "outstanding": sum(1 for d in ds if d.get("status") in ("pending", "due_soon", "paused")),
                     "share_on_time": share(on_time, len(met) + late_now),
                     "median_working_days_late": median((d.get("working_days_late") or 0) for d in met)})
    totals: dict[str, dict] = {}
    for r in rows:
        t = totals.setdefault(r["agency"], {"agency": r["agency"], "requested": 0, "returned_on_time": 0,
                                            "returned_late": 0, "overdue": 0})
        for k in ("requested", "returned_on_time", "returned_late", "overdue"):
            t[k] += r[k]
    for t in totals.values():
        t["share_on_time"] = share(t["returned_on_time"], t["returned_on_time"] + t["returned_late"] + t["overdue"])
    return {"by_agency": [totals[a] for a in sorted(totals)], "rows": rows}


# --- reviews ------------------------------------------------------------------------------------------------

REVIEW_KINDS = ("rapid_review", "cspr", "sar")


def _first(dates: dict[str, date], *names: str) -> date | None:
    for n in names:
        if dates.get(n):
            return dates[n]
    return None


def review_spans(case: dict) -> list[dict]:
    """Each review a case holds: its kind, when it started and concluded (None while ongoing)."""
    d = case.get("dates") or {}
    out = []
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


def reviews(snap: Snapshot) -> dict:
    """Completion time and referral source for every review (one row each, with no identifier)."""
    spans = [s for c in snap.cases for s in review_spans(c)]
    rows = []
    for s in spans:
        done = s["concluded"] is not None
        rows.append({"review": s["review"], "referral_source": s["referral_source"],
                     "status": "concluded" if done else "ongoing",
                     "days_to_complete": (s["concluded"] - s["started"]).days if done and s["started"] else None,
                     "days_from_referral": (s["concluded"] - s["received"]).days if done and s["received"] else None})
    rows.sort(key=lambda r: (REVIEW_KINDS.index(r["review"]), r["status"], r["referral_source"],
                             r["days_to_complete"] if r["days_to_complete"] is not None else -1))
    by_kind = {}
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


# --- action plans, audits, themes, training ---------------------------------------------------------------

ACTION_STATUSES = ("open", "in_progress", "overdue", "completed")


def action_plans(snap: Snapshot) -> dict:
    by_agency: dict[str, Counter] = defaultdict(Counter)
    for a in snap.actions:
        by_agency[a.get("owning_agency") or PARTNERSHIP][a["status"]] += 1
    done = [a for a in snap.actions if a["status"] == "completed"]
    return {
        "actions": len(snap.actions),
        "by_status": tally(a["status"] for a in snap.actions),
        "by_source": tally(a.get("source") for a in snap.actions),
        "completed_on_time": sum(1 for a in done if a.get("on_time")),
        "share_completed_on_time": share(sum(1 for a in done if a.get("on_time")), len(done)),
        "by_owning_agency": [{"agency": k, "actions": sum(v.values()), **{s: v[s] for s in ACTION_STATUSES}}
                             for k, v in sorted(by_agency.items())],
        "recommendations": {"published": len(snap.recommendations),
                            "by_owning_agency": tally(r.get("owning_agency") for r in snap.recommendations),
                            "by_pathway": tally(r.get("pathway") for r in snap.recommendations)},
        "rows": [{"agency": k, "status": s, "actions": n}
                 for k, v in sorted(by_agency.items()) for s, n in sorted(v.items())],
    }


def audits(snap: Snapshot) -> dict:
    themes = Counter((a.get("theme") or "unknown", a.get("kind") or "unknown") for a in snap.audits)
    owed = sum(a.get("responses_owed") or 0 for a in snap.audits)
    return {
        "audits": len(snap.audits),
        "by_kind": tally(a.get("kind") for a in snap.audits),
        "by_stage": tally(a.get("stage") for a in snap.audits),
        "themes": [{"theme": t, "kind": k, "audits": n} for (t, k), n in sorted(themes.items())],
        "findings": sum(a.get("findings") or 0 for a in snap.audits),
        "recommendations": sum(a.get("recommendations") or 0 for a in snap.audits),
        "ratified": sum(1 for a in snap.audits if a.get("ratified_on")),
        "responses": {"owed": owed, "submitted": len(snap.audit_responses),
                      "share_submitted": share(len(snap.audit_responses), owed),
                      "by_agency": tally(r.get("agency") for r in snap.audit_responses)},
        "concerns_escalated": len(snap.concerns),
        "concerns_by_agency": tally(c.get("agency_concerned") for c in snap.concerns),
        "good_practice_acknowledged": tally(g.get("agency") for g in snap.good_practice),
        "learning_events": {"held": sum(1 for a in snap.audits if a.get("invited") is not None),
                            "agencies_invited": sum(a.get("invited") or 0 for a in snap.audits),
                            "agencies_attended": sum(a.get("attended") or 0 for a in snap.audits)},
        "briefings": {"held": len(snap.briefings), "attendees": sum(b.get("attendees") or 0 for b in snap.briefings)},
        "rows": [{"theme": t, "kind": k, "audits": n} for (t, k), n in sorted(themes.items())],
    }


def learning_themes(snap: Snapshot) -> dict:
    """Themes across the partnership's learning: themes the QA sub-group published, the themes audits
    examined, and the learning published from audits (review events carry no themes, only counts)."""
    count: dict[str, Counter] = defaultdict(Counter)
    for a in snap.audits:
        if a.get("theme"):
            count[a["theme"].strip().lower()]["audits"] += 1
    for t in snap.themes:
        kind = "published_themes" if t.get("source") == "theme" else "learning_published"
        count[t["theme"].strip().lower()][kind] += 1
        count[t["theme"].strip().lower()]["learning_points"] += t.get("learning_points") or 0
    rows = [{"theme": theme, "audits": c["audits"], "published_themes": c["published_themes"],
             "learning_published": c["learning_published"], "learning_points": c["learning_points"]}
            for theme, c in count.items()]
    rows.sort(key=lambda r: (-(r["audits"] + r["learning_published"]), r["theme"]))
    return {"themes": len(rows), "rows": rows}


def _survey_figures(rows: list[dict]) -> dict:
    sent = [s for s in rows if s.get("sent_on")]
    answered = [s for s in rows if s.get("answered_on")]
    out = {"sent": len(sent), "responses": len(answered), "response_rate": share(len(answered), len(sent))}
    changed = [s["practice_changed"] for s in answered if s.get("practice_changed") is not None]
    noticed = [s["change_noticed"] for s in answered if s.get("change_noticed") is not None]
    out.update({
        "practice_changed": share(sum(changed), len(changed)),
        "median_confidence_before": median(s["confidence_before"] for s in answered
                                           if s.get("confidence_before") is not None),
        "median_confidence_after": median(s["confidence_after"] for s in answered
                                          if s.get("confidence_after") is not None),
        "change_noticed_by_managers": share(sum(noticed), len(noticed)),
        "median_team_impact": median(s["team_impact"] for s in answered if s.get("team_impact") is not None),
    })
    return out


def training(snap: Snapshot) -> dict:
    kinds = sorted({s.get("survey") or "follow_up" for s in snap.surveys})
    by_survey = {k: _survey_figures([s for s in snap.surveys if (s.get("survey") or "follow_up") == k])
                 for k in kinds}
    agencies = sorted({s.get("agency") or PARTNERSHIP for s in snap.surveys})
    rows = []
    for k in kinds:
        for a in agencies:
            mine = [s for s in snap.surveys
                    if (s.get("survey") or "follow_up") == k and (s.get("agency") or PARTNERSHIP) == a]
            if mine:
                f = _survey_figures(mine)
                rows.append({"survey": k, "agency": a, "sent": f["sent"], "responses": f["responses"],
                             "response_rate": f["response_rate"]})
    overall = _survey_figures(snap.surveys)
    return {"completed_training": len(snap.training),
            "completed_by_agency": tally(t.get("agency") for t in snap.training),
            "surveys_sent": overall["sent"], "responses": overall["responses"],
            "response_rate": overall["response_rate"], "by_survey": by_survey, "rows": rows}


def notifications(snap: Snapshot) -> dict:
    kinds = tally(n.get("recipient_kind") for n in snap.notifications)
    return {"sent": len(snap.notifications), "by_recipient_kind": kinds}


# --- the summary and the annual report ---------------------------------------------------------------------

def summary(snap: Snapshot, today: date) -> dict:
    c = cases(snap)
    t = timeliness(snap)
    late = overdue(snap, today)
    return {
        "as_of": today.isoformat(),
        "cases": {k: c[k] for k in ("open", "by_pathway", "by_stage", "concluded", "returned", "by_referral_source")},
        "deadlines": {"by_status": tally(d.get("status") for d in snap.deadlines),
                      "by_key": tally(d["key"] for d in snap.deadlines),
                      "overdue": late["total"], "share_on_time": t["share_on_time"]},
        "notifications": notifications(snap),
        "audits": {"by_kind": tally(a.get("kind") for a in snap.audits), "audits": len(snap.audits)},
        "overdue": {"total": late["total"], "by_agency": {r["agency"]: r["overdue"] for r in late["by_agency"]}},
        "action_plans": {"actions": len(snap.actions), "by_status": tally(a["status"] for a in snap.actions)},
    }


def _reasons(cases_: list[dict]) -> list[dict]:
    reasons = Counter(r.strip() for c in cases_ for r in (c.get("not_acted_on") or []) if r and r.strip())
    return [{"reason": r, "findings": n} for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]


def annual(snap: Snapshot, year: Year) -> dict:
    received = [c for c in snap.cases if (c.get("received_on") or (c.get("dates") or {}).get("received_on")) in year
                and stages.stage_of(c) != "returned"]
    returned = [c for c in snap.cases if (c.get("dates") or {}).get("returned_on") in year]
    spans = [s for c in snap.cases for s in review_spans(c)]

    def kind(k: str) -> list[dict]:
        return [s for s in spans if s["review"] == k]

    def ongoing_at_end(s: dict) -> bool:
        return s["started"] is not None and s["started"] <= year.last and (
            s["concluded"] is None or s["concluded"] > year.last)

    def completion(done: list[dict]) -> float | int | None:
        return median((s["concluded"] - s["started"]).days for s in done if s["started"])

    rr = kind("rapid_review")
    rr_done = [s for s in rr if s["concluded"] in year]
    cspr = kind("cspr")
    cspr_done = [s for s in cspr if s["concluded"] in year]
    sar = kind("sar")
    sar_done = [s for s in sar if s["concluded"] in year]
    adults = [c for c in received if c.get("pathway") == "adult"]
    decided = [c for c in snap.cases
               if c.get("pathway") == "adult" and (c.get("dates") or {}).get("sar_decided_on") in year]
    screened_out = [c for c in snap.cases if c.get("sar_screening") == "not_proceeding"
                    and (c.get("dates") or {}).get("screened_on") in year]
    sar_cases = [s["case"] for s in sar_done] + [
        c for c in snap.cases if (c.get("dates") or {}).get("findings_recorded_on") in year
        and c.get("pathway") == "adult" and all(c is not s["case"] for s in sar_done)]
    with_findings = [c for c in sar_cases if c.get("findings") is not None]
    child_with_findings = [c for c in snap.cases if c.get("pathway") == "child" and c.get("findings") is not None
                           and ((c.get("dates") or {}).get("findings_recorded_on") in year)]
    due_in_year = [d for d in snap.deadlines if d.get("due") in year]
    year_audits = [a for a in snap.audits if a.get("qa_meeting_on") in year]
    sar_ids = {s["case"]["case_id"] for s in sar if s["started"] is not None and s["started"] <= year.last}
    concluded_ids = {s["case"]["case_id"] for s in sar_done}
    sar_recs = [r for r in snap.recommendations if r.get("case_id") in concluded_ids]
    return {
        "year": year.as_dict(),
        "referrals": {"received": len(received), "by_pathway": tally(c.get("pathway") for c in received),
                      "by_referral_source": tally(c.get("referring_agency") for c in received),
                      "returned_incomplete": len(returned)},
        "rapid_reviews": {
            "opened": sum(1 for s in rr if s["started"] in year),
            "completed": len(rr_done),
            "ongoing_at_year_end": sum(1 for s in rr if ongoing_at_end(s)),
            "decisions": tally(s["outcome"] for s in rr_done),
            "panel_responses": tally(s["case"].get("panel_response") for s in rr_done
                                     if s["case"].get("panel_response")),
            "median_days_to_complete": completion(rr_done),
            "by_referral_source": tally(s["referral_source"] for s in rr_done),
        },
        "csprs": {
            "commissioned": sum(1 for s in cspr if s["started"] in year),
            "published": len(cspr_done),
            "published_in_full": sum(1 for s in cspr_done if s["case"].get("published_in_full")),
            "ongoing_at_year_end": sum(1 for s in cspr if ongoing_at_end(s)),
            "median_days_to_publish": completion(cspr_done),
            "findings": _findings(child_with_findings),
        },
        "sars": {
            "referrals_received": len(adults),
            "screened_out": len(screened_out),
            "decisions": {"convened": sum(1 for c in decided if c.get("sar_convene")),
                          "not_convened": sum(1 for c in decided if c.get("sar_convene") is False)},
            "commissioned": sum(1 for s in sar if s["started"] in year),
            "concluded": len(sar_done),
            "ongoing_at_year_end": sum(1 for s in sar if ongoing_at_end(s)),
            "delayed_at_year_end": sum(1 for s in sar if ongoing_at_end(s) and s["case"].get("delayed")),
            "published": sum(1 for c in snap.cases if c.get("pathway") == "adult"
                             and (c.get("dates") or {}).get("published_on") in year),
            "median_days_to_conclude": completion(sar_done),
            "by_referral_source": tally(s["referral_source"] for s in sar_done),
            "findings": _findings(with_findings),
            "concluded_without_findings_recorded": sum(1 for s in sar_done if s["case"].get("findings") is None),
            "recommendations_by_owning_agency": tally(r.get("owning_agency") for r in sar_recs),
        },
        "audits": {"audits": len(year_audits), "by_kind": tally(a.get("kind") for a in year_audits),
                   "themes": sorted({a["theme"] for a in year_audits if a.get("theme")}),
                   "findings": sum(a.get("findings") or 0 for a in year_audits),
                   "recommendations": sum(a.get("recommendations") or 0 for a in year_audits),
                   "ratified": sum(1 for a in snap.audits if a.get("ratified_on") in year),
                   "concerns_escalated": sum(1 for c in snap.concerns if c.get("raised_on") in year)},
        "action_plans": {"by_status": tally(a["status"] for a in snap.actions),
                         "created": sum(1 for a in snap.actions if a.get("created_on") in year),
                         "completed": sum(1 for a in snap.actions if a.get("completed_on") in year),
                         "sar_actions_by_status": tally(a["status"] for a in snap.actions
                                                        if a.get("case_id") in sar_ids)},
        "training": {"completed": sum(1 for t in snap.training if t.get("completed_on") in year),
                     **{k: v for k, v in _survey_figures([s for s in snap.surveys if s.get("sent_on") in year]).items()
                        if k in ("sent", "responses", "response_rate")}},
        "timeliness": timeliness(snap, due_in_year)["rows"],
    }


def _findings(cases_: list[dict]) -> dict:
    return {"reviews": len(cases_), "findings": sum(c.get("findings") or 0 for c in cases_),
            "actions_taken": sum(c.get("actions_taken") or 0 for c in cases_),
            "not_acted_on": sum(len(c.get("not_acted_on") or []) for c in cases_),
            "reasons_not_acted_on": _reasons(cases_)}
