"""The annual report's data for one reporting year."""
from __future__ import annotations

from collections import Counter

from . import stages
from .reviews import Span, review_spans
from .rows import CaseRow
from .snapshot import Figure, Snapshot, Year, median, tally
from .timeliness import timeliness
from .work import survey_figures


def _reasons(cases_: list[CaseRow]) -> list[Figure]:
    reasons = Counter(r.strip() for c in cases_ for r in (c.get("not_acted_on") or []) if r and r.strip())
    return [{"reason": r, "findings": n} for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]


def annual(snap: Snapshot, year: Year) -> Figure:
    received = [c for c in snap.cases if (c.get("received_on") or (c.get("dates") or {}).get("received_on")) in year
                and stages.stage_of(c) != "returned"]
    returned = [c for c in snap.cases if (c.get("dates") or {}).get("returned_on") in year]
    spans = [s for c in snap.cases for s in review_spans(c)]

    def kind(k: str) -> list[Span]:
        return [s for s in spans if s["review"] == k]

    def ongoing_at_end(s: Span) -> bool:
        return s["started"] is not None and s["started"] <= year.last and (
            s["concluded"] is None or s["concluded"] > year.last)

    def completion(done: list[Span]) -> float | int | None:
        return median((end - start).days for s in done if (start := s["started"]) and (end := s["concluded"]))

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
    # Reported to the QA sub-group in the year: the report was presented, not merely planned for a
    # meeting in the year (an audit whose meeting is still to come is not counted yet).
    year_audits = [a for a in snap.audits if a.get("reported_on") in year]
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
                     **{k: v for k, v in survey_figures([s for s in snap.surveys if s.get("sent_on") in year]).items()
                        if k in ("sent", "responses", "response_rate")}},
        "timeliness": timeliness(snap, due_in_year)["rows"],
    }


def _findings(cases_: list[CaseRow]) -> Figure:
    return {"reviews": len(cases_), "findings": sum(c.get("findings") or 0 for c in cases_),
            "actions_taken": sum(c.get("actions_taken") or 0 for c in cases_),
            "not_acted_on": sum(len(c.get("not_acted_on") or []) for c in cases_),
            "reasons_not_acted_on": _reasons(cases_)}
