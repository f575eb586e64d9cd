"""What the referrals service's events set: cases, the dates of their facts, recommendations.

Nothing that identifies anyone is kept: not the case reference, not a delay's reason, not a
recommendation's text (reporting is aggregate).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from safeguard_shared.contracts import referrals as R

from ..adapters.orm import rm_case_dates, rm_cases, rm_recommendations
from ..adapters.read_models import Change
from ..domain import stages
from .projection import business_date


def _case(case_id: str, **values: Any) -> Change:
    return Change(rm_cases, {"case_id": case_id, **values})


def _dates(case_id: str, named: Mapping[str, date | None]) -> list[Change]:
    return [Change(rm_case_dates, {"case_id": case_id, "name": n, "on_date": d}) for n, d in named.items() if d]


def case_opened(e: R.CaseOpened, at: datetime) -> list[Change]:
    # case_ref is deliberately not kept: reporting is aggregate, and a reference identifies.
    return [_case(e.case_id, pathway=e.pathway, referring_agency=e.referring_agency, received_on=e.received_on,
                  opened_at=at, rapid_review=e.rapid_review, serious_incident=e.serious_incident,
                  looked_after_death=e.looked_after_death, stage_rank=stages.OPENED),
            *_dates(e.case_id, {"received_on": e.received_on, "became_aware_on": e.became_aware_on})]


def milestone_reached(e: R.MilestoneReached, at: datetime) -> list[Change]:
    suffix = f"@{e.agency}" if e.agency else ""
    out = _dates(e.case_id, {e.fact + suffix: e.on, **({e.anchor + suffix: e.on} if e.anchor else {})})
    if e.fact in stages.FACT_RANK:
        out.append(_case(e.case_id, stage_rank=stages.FACT_RANK[e.fact]))
    return out


def scoping_requested(e: R.ScopingRequested, at: datetime) -> list[Change]:
    return [_case(e.case_id, stage_rank=stages.CHILD_SCOPING),
            *_dates(e.case_id, {"scoping_sent_on": business_date(at)})]


def rapid_review_decided(e: R.RapidReviewDecided, at: datetime) -> list[Change]:
    named = {"rr_decided_on": e.decided_on, **({"decision_on": e.decided_on} if e.decision == "cspr" else {})}
    return [_case(e.case_id, rr_decision=e.decision, stage_rank=stages.CHILD_DECIDED), *_dates(e.case_id, named)]


def panel_responded(e: R.PanelResponded, at: datetime) -> list[Change]:
    return [_case(e.case_id, panel_response=e.response)]


def final_report_ready(e: R.FinalReportReady, at: datetime) -> list[Change]:
    return [_case(e.case_id, stage_rank=stages.CHILD_FINAL_REPORT),
            *_dates(e.case_id, {"final_report_sent_on": business_date(at)})]


def review_published(e: R.ReviewPublished, at: datetime) -> list[Change]:
    rank = stages.CHILD_PUBLISHED if e.pathway == "child" else stages.SAR_PUBLISHED
    return [_case(e.case_id, pathway=e.pathway, published_in_full=e.in_full, stage_rank=rank),
            *_dates(e.case_id, {"published_on": e.published_on})]


def recommendations_published(e: R.RecommendationsPublished, at: datetime) -> list[Change]:
    # The recommendation's text stays with the review; the board counts them by owning agency.
    return [Change(rm_recommendations, {"recommendation_id": r.recommendation_id, "case_id": e.case_id,
                                        "pathway": e.pathway, "owning_agency": r.owning_agency})
            for r in e.recommendations]


def referral_returned(e: R.ReferralReturned, at: datetime) -> list[Change]:
    return [_case(e.case_id, pathway=e.pathway, referring_agency=e.referring_agency, stage_rank=stages.RETURNED),
            *_dates(e.case_id, {"returned_on": business_date(at)})]


def sar_screened(e: R.SarScreened, at: datetime) -> list[Change]:
    return [_case(e.case_id, sar_screening=e.outcome, stage_rank=stages.SAR_SCREENED),
            *_dates(e.case_id, {"screened_on": business_date(at)})]


def sar_decided(e: R.SarDecided, at: datetime) -> list[Change]:
    return [_case(e.case_id, sar_convene=e.convene, stage_rank=stages.SAR_DECIDED),
            *_dates(e.case_id, {"sar_decided_on": e.decided_on})]


def sar_delay_changed(e: R.SarDelayChanged, at: datetime) -> list[Change]:
    # The reason may describe the adult's circumstances (court proceedings …): only the fact is kept.
    delayed = e.change == "delayed"
    return [_case(e.case_id, delayed=delayed),
            *(_dates(e.case_id, {"delayed_on": business_date(at)}) if delayed else [])]


def findings_recorded(e: R.FindingsRecorded, at: datetime) -> list[Change]:
    return [_case(e.case_id, pathway=e.pathway, findings=e.findings, actions_taken=e.actions_taken,
                  not_acted_on=list(e.not_implemented_reasons)),
            *_dates(e.case_id, {"findings_recorded_on": business_date(at)})]
