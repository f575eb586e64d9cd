"""The figures' JSON shapes, as the OpenAPI documents them. Each model follows its figure in
``domain/`` key for key; a figure with a key its model lacks fails loudly (extra="forbid") rather
than losing the key on the way out."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Tally = dict[str, int]       # a count per category (an agency, a stage, a status …), sorted by category
Number = int | float         # a median: whole when it is whole
Median = Number | None       # no value yet when nothing was counted
Share = float | None         # a share between 0 and 1 (4 places), none when the whole is 0


class _Figure(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- summary ------------------------------------------------------------------------------------------------

class SummaryCases(_Figure):
    open: int
    by_pathway: Tally
    by_stage: Tally
    concluded: int
    returned: int
    by_referral_source: Tally


class SummaryDeadlines(_Figure):
    by_status: Tally
    by_key: Tally
    overdue: int
    share_on_time: Share


class Notifications(_Figure):
    sent: int
    by_recipient_kind: Tally


class SummaryAudits(_Figure):
    by_kind: Tally
    audits: int


class SummaryOverdue(_Figure):
    total: int
    by_agency: Tally


class SummaryActionPlans(_Figure):
    actions: int
    by_status: Tally


class Summary(_Figure):
    as_of: str
    cases: SummaryCases
    deadlines: SummaryDeadlines
    notifications: Notifications
    audits: SummaryAudits
    overdue: SummaryOverdue
    action_plans: SummaryActionPlans


# --- cases, timeliness, overdue, scoping ---------------------------------------------------------------------

class CasesRow(_Figure):
    pathway: str
    stage: str
    cases: int


class Cases(_Figure):
    open: int
    concluded: int
    returned: int
    by_pathway: Tally
    by_stage: Tally
    by_referral_source: Tally
    rows: list[CasesRow]


class TimelinessRow(_Figure):
    key: str
    what: str = Field(description="the rule's own words, from the scheduling service (else the key's label)")
    group: Literal["reviews", "audits", "training"] = Field(description=(
        "reviews: the statutory and framework timescales of rapid reviews, CSPRs and SARs; audits: the "
        "audit programme; training: follow-up surveys. Read apart, never mixed."))
    measure: str
    scheduled: int
    met: int
    met_on_time: int
    met_late: int
    overdue: int
    pending: int
    paused: int
    waived: int
    closed: int = Field(description="clocks closed because the pathway ended (neither met nor missed)")
    share_on_time: Share
    median_working_days_late: Median
    median_days_elapsed: Median
    target_met: int | None
    share_target_met: Share
    outside_window: int
    median: Median


class TimelinessTotals(_Figure):
    share_on_time: Share
    met: int
    met_on_time: int
    overdue: int


class Timeliness(TimelinessTotals):
    """The totals over every timescale, then each group's apart (``by_group``), then each rule's."""

    by_group: dict[Literal["reviews", "audits", "training"], TimelinessTotals]
    rows: list[TimelinessRow]


class OverdueByAgency(_Figure):
    agency: str
    overdue: int
    median_days_overdue: Median
    longest_days_overdue: int


class OverdueByStep(_Figure):
    key: str
    what: str
    overdue: int
    median_days_overdue: Median


class OverdueRow(_Figure):
    agency: str
    key: str
    overdue: int
    median_days_overdue: Median


class Overdue(_Figure):
    as_of: str
    total: int
    median_days_overdue: Median
    by_agency: list[OverdueByAgency]
    by_step: list[OverdueByStep]
    rows: list[OverdueRow]


class ScopingByAgency(_Figure):
    agency: str
    requested: int
    returned_on_time: int
    returned_late: int
    overdue: int
    share_on_time: Share


class ScopingRow(_Figure):
    agency: str
    pathway: str
    requested: int
    returned: int
    returned_on_time: int
    returned_late: int
    overdue: int
    outstanding: int
    share_on_time: Share
    median_working_days_late: Median


class ScopingReturns(_Figure):
    by_agency: list[ScopingByAgency]
    rows: list[ScopingRow]


# --- reviews, action plans, audits, themes, training -----------------------------------------------------------

class ReviewKind(_Figure):
    reviews: int
    concluded: int
    ongoing: int
    median_days_to_complete: Median
    median_days_from_referral: Median
    by_referral_source: Tally


class ReviewRow(_Figure):
    review: str
    referral_source: str
    status: str
    days_to_complete: int | None
    days_from_referral: int | None


class Reviews(_Figure):
    by_kind: dict[str, ReviewKind]
    rows: list[ReviewRow]


class ActionsByAgency(_Figure):
    agency: str
    actions: int
    open: int
    in_progress: int
    overdue: int
    completed: int


class Recommendations(_Figure):
    published: int
    by_owning_agency: Tally
    by_pathway: Tally


class ActionRow(_Figure):
    agency: str
    status: str
    actions: int


class ActionPlans(_Figure):
    actions: int
    by_status: Tally
    by_source: Tally
    completed_on_time: int
    share_completed_on_time: Share
    by_owning_agency: list[ActionsByAgency]
    recommendations: Recommendations
    rows: list[ActionRow]


class AuditTheme(_Figure):
    theme: str
    kind: str
    audits: int


class AuditResponses(_Figure):
    owed: int
    submitted: int
    share_submitted: Share
    by_agency: Tally


class LearningEvents(_Figure):
    held: int
    agencies_invited: int
    agencies_attended: int


class Briefings(_Figure):
    held: int
    attendees: int


class Audits(_Figure):
    audits: int
    by_kind: Tally
    by_stage: Tally
    themes: list[AuditTheme]
    findings: int
    recommendations: int
    ratified: int
    responses: AuditResponses
    concerns_escalated: int
    concerns_by_agency: Tally
    good_practice_acknowledged: Tally
    learning_events: LearningEvents
    briefings: Briefings
    rows: list[AuditTheme]


class ThemeRow(_Figure):
    theme: str
    audits: int
    published_themes: int
    learning_published: int
    learning_points: int


class LearningThemes(_Figure):
    themes: int
    rows: list[ThemeRow]


class SurveyFigures(_Figure):
    sent: int
    responses: int
    response_rate: Share
    practice_changed: Share
    median_confidence_before: Median
    median_confidence_after: Median
    change_noticed_by_managers: Share
    median_team_impact: Median


class SurveyRow(_Figure):
    survey: str
    agency: str
    sent: int
    responses: int
    response_rate: Share


class Training(_Figure):
    completed_training: int
    completed_by_agency: Tally
    surveys_sent: int
    responses: int
    response_rate: Share
    by_survey: dict[str, SurveyFigures]
    rows: list[SurveyRow]


# --- the annual report ------------------------------------------------------------------------------------------

class ReportingYear(_Figure):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    label: str
    from_: str = Field(alias="from")
    to: str


class Referrals(_Figure):
    received: int
    by_pathway: Tally
    by_referral_source: Tally
    returned_incomplete: int


class RapidReviews(_Figure):
    opened: int
    completed: int
    ongoing_at_year_end: int
    decisions: Tally
    panel_responses: Tally
    median_days_to_complete: Median
    by_referral_source: Tally


class Reason(_Figure):
    reason: str
    findings: int


class Findings(_Figure):
    reviews: int
    findings: int
    actions_taken: int
    not_acted_on: int
    reasons_not_acted_on: list[Reason]


class Csprs(_Figure):
    commissioned: int
    published: int
    published_in_full: int
    ongoing_at_year_end: int
    median_days_to_publish: Median
    findings: Findings


class SarDecisions(_Figure):
    convened: int
    not_convened: int


class Sars(_Figure):
    referrals_received: int
    screened_out: int
    decisions: SarDecisions
    commissioned: int
    concluded: int
    ongoing_at_year_end: int
    delayed_at_year_end: int
    published: int
    median_days_to_conclude: Median
    by_referral_source: Tally
    findings: Findings
    concluded_without_findings_recorded: int
    recommendations_by_owning_agency: Tally


class AnnualAudits(_Figure):
    audits: int
    by_kind: Tally
    themes: list[str]
    findings: int
    recommendations: int
    ratified: int
    concerns_escalated: int


class AnnualActionPlans(_Figure):
    by_status: Tally
    created: int
    completed: int
    sar_actions_by_status: Tally


class AnnualTraining(_Figure):
    completed: int
    sent: int
    responses: int
    response_rate: Share


class Annual(_Figure):
    year: ReportingYear
    referrals: Referrals
    rapid_reviews: RapidReviews
    csprs: Csprs
    sars: Sars
    audits: AnnualAudits
    action_plans: AnnualActionPlans
    training: AnnualTraining
    timeliness: list[TimelinessRow]


# Each figure's name, as in /v1/reports/<name>, and its model.
MODELS: dict[str, type[BaseModel]] = {
    "summary": Summary, "cases": Cases, "timeliness": Timeliness, "overdue": Overdue,
    "scoping-returns": ScopingReturns, "reviews": Reviews, "action-plans": ActionPlans, "audits": Audits,
    "learning-themes": LearningThemes, "training": Training, "notifications": Notifications, "annual": Annual,
}
