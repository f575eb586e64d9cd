"""Where a case is on its pathway, from the facts its events recorded.

A case's stage only moves forward: each fact has a rank on its pathway's ladder and the read model
keeps the highest rank reached, so events replayed twice, or a date corrected after a later step,
never move a case backward. The stage's name comes from the rank and the decisions recorded.
"""
from __future__ import annotations

from .rows import CaseRow

RETURNED = 0   # a referral returned to its sender as incomplete: no case opened (yet)
OPENED = 10

# Children: rapid review, then a CSPR, an alternative learning review or no review.
CHILD_SCOPING = 20
CHILD_MEETING_HELD = 30
CHILD_DECIDED = 40
CHILD_FINAL_REPORT = 50
CHILD_PUBLISHED = 60

# Adults: the safeguarding adult review.
SAR_SCREENED = 20
SAR_SCOPING = 30
SAR_SCOPING_REVIEWED = 40
SAR_DECIDED = 50
SAR_COMMISSIONED = 60
SAR_SIGNED_OFF = 70
SAR_PUBLISHED = 80
SAR_LEARNING_EVENT = 90

# The rank a milestone fact (MilestoneReached.fact) takes a case to. Facts not named here (a scoping
# return, a panel meeting) do not change the stage.
FACT_RANK = {
    "meeting_held": CHILD_MEETING_HELD,
    "rapid_review_completed": CHILD_DECIDED,
    "cspr_decided": CHILD_DECIDED,
    "publication_planned": CHILD_FINAL_REPORT,
    "cspr_published": CHILD_PUBLISHED,
    "scoping_requested": SAR_SCOPING,
    "scoping_reviewed": SAR_SCOPING_REVIEWED,
    "sar_decision_made": SAR_DECIDED,
    "sar_agreed": SAR_COMMISSIONED,
    "sar_commissioned": SAR_COMMISSIONED,
    "signed_off": SAR_SIGNED_OFF,
    "sar_published": SAR_PUBLISHED,
    "learning_event_held": SAR_LEARNING_EVENT,
}

_CHILD = {CHILD_SCOPING: "scoping", CHILD_MEETING_HELD: "meeting_held", CHILD_FINAL_REPORT: "final_report_sent",
          CHILD_PUBLISHED: "published"}
_ADULT = {OPENED: "sar_referral", SAR_SCREENED: "sar_screened", SAR_SCOPING: "sar_scoping",
          SAR_SCOPING_REVIEWED: "sar_scoping_reviewed", SAR_DECIDED: "sar_decided",
          SAR_COMMISSIONED: "sar_commissioned", SAR_SIGNED_OFF: "sar_signed_off", SAR_PUBLISHED: "sar_published",
          SAR_LEARNING_EVENT: "sar_learning_event_held"}

# Stages at which the partnership's work on the case is over (the case is no longer open).
CONCLUDED = frozenset({"no_review", "alternative_review", "published", "sar_not_convened", "sar_published",
                       "sar_learning_event_held"})


def stage_of(case: CaseRow) -> str:
    """The stage's name for a read-model case row (pathway, stage_rank, rapid_review, decisions)."""
    rank = case.get("stage_rank") or 0
    if rank <= RETURNED:
        return "returned"
    if case.get("pathway") == "adult":
        if case.get("sar_screening") == "not_proceeding" or case.get("sar_convene") is False:
            return "sar_not_convened"
        return _ADULT.get(_floor(rank, _ADULT), "sar_referral")
    if rank < CHILD_SCOPING:
        return "rapid_review" if case.get("rapid_review") else "referral"
    if rank == CHILD_DECIDED or (rank > CHILD_DECIDED and case.get("rr_decision") not in (None, "cspr")):
        return case.get("rr_decision") or "decided"
    return _CHILD[_floor(rank, _CHILD)]


def _floor(rank: int, ladder: dict[int, str]) -> int:
    return max((r for r in ladder if r <= rank), default=min(ladder))


def is_open(case: CaseRow) -> bool:
    stage = stage_of(case)
    return stage != "returned" and stage not in CONCLUDED


# Multi-agency case file audits: planned backward from the QA sub-group, then held, reported, ratified.
AUDIT_LADDER = {10: "planned", 15: "scope_agreed", 20: "cases_sampled", 25: "tool_sent", 30: "held",
                35: "findings_recorded", 40: "reported", 50: "ratified", 60: "learning_published"}
AUDIT_FACT_RANK = {"scope_agreed": 15, "template_sent": 25, "programme_sent": 25, "audit_held": 30,
                   "report_presented": 40}

# Actions on an action plan: where one stands only moves on (a completed action stays completed).
ACTION_LADDER = {10: "open", 20: "in_progress", 30: "overdue", 40: "completed"}


def audit_stage(rank: int | None) -> str:
    return AUDIT_LADDER[_floor(rank or 10, AUDIT_LADDER)]


def action_status(rank: int | None) -> str:
    return ACTION_LADDER[_floor(rank or 10, ACTION_LADDER)]
