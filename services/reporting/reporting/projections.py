"""Projections: each event becomes a few row upserts on the read models.

An event says what is now true of one thing (a case, a deadline, a notification, an audit), so its
effect is an upsert of the columns it knows, keyed by that thing's own id: applying an event twice,
or replaying a whole stream over the tables, gives the same rows. A column that must only rise (a
case's stage) keeps the larger value. Each table is written by one producer's events only, so the
streams can be replayed one after another in any order; figures join them when they are read.

Events this version does not project — an unknown type, or one it has no use for (a family letter,
which carries a contact's details) — are skipped without being parsed.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal, Union

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, create_model
from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from safeguard_shared.clock import LONDON
from safeguard_shared.contracts import Envelope, contract_for
from safeguard_shared.contracts import audits as A
from safeguard_shared.contracts import notifications as N
from safeguard_shared.contracts import referrals as R
from safeguard_shared.contracts import scheduling as S

from .adapters.orm import (
    RISING,
    rm_actions,
    rm_audit_concerns,
    rm_audit_responses,
    rm_audits,
    rm_briefings,
    rm_case_dates,
    rm_cases,
    rm_deadlines,
    rm_good_practice,
    rm_notifications,
    rm_recommendations,
    rm_themes,
    rm_training,
    rm_training_surveys,
)
from .domain import stages


@dataclass(frozen=True, slots=True)
class Change:
    """Upsert these columns of one row of ``table`` (the values include its primary key)."""

    table: Table
    values: dict


def _business_date(env) -> date:  # (an Envelope, or the replay's typed envelope)
    return env.occurred_at.astimezone(LONDON).date()


def _case(case_id: str, **values) -> Change:
    return Change(rm_cases, {"case_id": case_id, **values})


def _dates(case_id: str, named: dict[str, date | None]) -> list[Change]:
    return [Change(rm_case_dates, {"case_id": case_id, "name": n, "on_date": d}) for n, d in named.items() if d]


# --- referrals ------------------------------------------------------------------------------------------

def _case_opened(e: R.CaseOpened, env: Envelope) -> list[Change]:
    # case_ref is deliberately not kept: reporting is aggregate, and a reference identifies.
    return [_case(e.case_id, pathway=e.pathway, referring_agency=e.referring_agency, received_on=e.received_on,
                  opened_at=env.occurred_at, rapid_review=e.rapid_review, serious_incident=e.serious_incident,
                  looked_after_death=e.looked_after_death, stage_rank=stages.OPENED),
            *_dates(e.case_id, {"received_on": e.received_on, "became_aware_on": e.became_aware_on})]


def _milestone(e: R.MilestoneReached, env: Envelope) -> list[Change]:
    suffix = f"@{e.agency}" if e.agency else ""
    out = _dates(e.case_id, {e.fact + suffix: e.on, **({e.anchor + suffix: e.on} if e.anchor else {})})
    if e.fact in stages.FACT_RANK:
        out.append(_case(e.case_id, stage_rank=stages.FACT_RANK[e.fact]))
    return out


def _scoping_requested(e: R.ScopingRequested, env: Envelope) -> list[Change]:
    return [_case(e.case_id, stage_rank=stages.CHILD_SCOPING),
            *_dates(e.case_id, {"scoping_sent_on": _business_date(env)})]


def _rapid_review_decided(e: R.RapidReviewDecided, env: Envelope) -> list[Change]:
    named = {"rr_decided_on": e.decided_on, **({"decision_on": e.decided_on} if e.decision == "cspr" else {})}
    return [_case(e.case_id, rr_decision=e.decision, stage_rank=stages.CHILD_DECIDED), *_dates(e.case_id, named)]


def _panel_responded(e: R.PanelResponded, env: Envelope) -> list[Change]:
    return [_case(e.case_id, panel_response=e.response)]


def _final_report_ready(e: R.FinalReportReady, env: Envelope) -> list[Change]:
    return [_case(e.case_id, stage_rank=stages.CHILD_FINAL_REPORT),
            *_dates(e.case_id, {"final_report_sent_on": _business_date(env)})]


def _review_published(e: R.ReviewPublished, env: Envelope) -> list[Change]:
    rank = stages.CHILD_PUBLISHED if e.pathway == "child" else stages.SAR_PUBLISHED
    return [_case(e.case_id, pathway=e.pathway, published_in_full=e.in_full, stage_rank=rank),
            *_dates(e.case_id, {"published_on": e.published_on})]


def _recommendations(e: R.RecommendationsPublished, env: Envelope) -> list[Change]:
    # The recommendation's text stays with the review; the board counts them by owning agency.
    return [Change(rm_recommendations, {"recommendation_id": r.recommendation_id, "case_id": e.case_id,
                                        "pathway": e.pathway, "owning_agency": r.owning_agency})
            for r in e.recommendations]


def _referral_returned(e, env: Envelope) -> list[Change]:
    return [_case(e.case_id, pathway=e.pathway, referring_agency=e.referring_agency, stage_rank=stages.RETURNED),
            *_dates(e.case_id, {"returned_on": _business_date(env)})]


def _sar_screened(e, env: Envelope) -> list[Change]:
    return [_case(e.case_id, sar_screening=e.outcome, stage_rank=stages.SAR_SCREENED),
            *_dates(e.case_id, {"screened_on": _business_date(env)})]


def _sar_decided(e, env: Envelope) -> list[Change]:
    return [_case(e.case_id, sar_convene=e.convene, stage_rank=stages.SAR_DECIDED),
            *_dates(e.case_id, {"sar_decided_on": e.decided_on})]


def _sar_delay_changed(e, env: Envelope) -> list[Change]:
    # The reason may describe the adult's circumstances (court proceedings …): only the fact is kept.
    return [_case(e.case_id, delayed=e.change == "delayed"),
            *(_dates(e.case_id, {"delayed_on": _business_date(env)}) if e.change == "delayed" else [])]


def _findings_recorded(e, env: Envelope) -> list[Change]:
    return [_case(e.case_id, pathway=e.pathway, findings=e.findings, actions_taken=e.actions_taken,
                  not_acted_on=list(e.not_implemented_reasons)),
            *_dates(e.case_id, {"findings_recorded_on": _business_date(env)})]


# --- scheduling -----------------------------------------------------------------------------------------

def _deadline(e, **values) -> Change:
    # Every deadline event carries the deadline's identity, so whichever arrives first makes a whole row.
    return Change(rm_deadlines, {"deadline_id": e.deadline_id, "key": e.key, "case_id": e.case_id,
                                 "audit_id": e.audit_id, "agency": e.agency, "who_agency": e.who_agency,
                                 "due": e.due, **values})


def _deadline_scheduled(e: S.DeadlineScheduled, env: Envelope) -> list[Change]:
    return [_deadline(e, target=e.target, status=e.status, scheduled_on=_business_date(env))]


def _deadline_due_soon(e: S.DeadlineDueSoon, env: Envelope) -> list[Change]:
    return [_deadline(e, status="due_soon")]


def _deadline_missed(e: S.DeadlineMissed, env: Envelope) -> list[Change]:
    return [_deadline(e, status="overdue", missed=True)]


def _deadline_escalated(e: S.DeadlineEscalated, env: Envelope) -> list[Change]:
    return [_deadline(e, status="overdue", missed=True, escalations=e.escalation,
                      working_days_overdue=e.working_days_overdue)]


def _deadline_met(e: S.DeadlineMet, env: Envelope) -> list[Change]:
    return [_deadline(e, status="met", met_on=e.met_on, on_time=e.on_time, working_days_late=e.working_days_late,
                      target_met=e.target_met, outside_window=e.outside_window)]


def _deadline_changed(e: S.DeadlineChanged, env: Envelope) -> list[Change]:
    return [_deadline(e, status=e.status)]


# --- notifications and audits ---------------------------------------------------------------------------

def _notification_sent(e: N.NotificationSent, env: Envelope) -> list[Change]:
    return [Change(rm_notifications, {"notification_id": e.notification_id, "case_id": e.case_id,
                                      "audit_id": e.audit_id, "recipient_kind": e.recipient_kind,
                                      "template": e.template, "agency": e.agency, "sent_on": e.sent_on})]


def _audit(audit_id: str, **values) -> Change:
    return Change(rm_audits, {"audit_id": audit_id, **values})


def _audit_planned(e: A.AuditPlanned, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, theme=e.theme, kind=e.kind, qa_meeting_on=e.qa_meeting_on, stage_rank=10)]


def _cases_sampled(e: A.CasesSampled, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, population_size=e.population_size, sample_size=e.sample_size, stage_rank=20)]


def _audit_milestone(e, env: Envelope) -> list[Change]:
    held = {"held_on": e.on} if e.fact == "audit_held" else {}
    return [_audit(e.audit_id, stage_rank=stages.AUDIT_FACT_RANK.get(e.fact, 10), **held)]


def _scope_agreed(e, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, stage_rank=15)]


def _tool_sent(e, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, responses_owed=e.responses_owed, stage_rank=25)]


def _response_submitted(e, env: Envelope) -> list[Change]:
    return [Change(rm_audit_responses, {"response_id": e.response_id, "audit_id": e.audit_id, "agency": e.agency,
                                        "submitted_on": e.submitted_on, "no_information_held": e.no_information_held})]


def _concern_raised(e, env: Envelope) -> list[Change]:
    return [Change(rm_audit_concerns, {"concern_id": e.concern_id, "audit_id": e.audit_id,
                                       "agency_concerned": e.agency_concerned, "raised_on": e.raised_on})]


def _learning_event_held(e, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, held_on=e.held_on, invited=len(e.invited_agencies),
                   attended=len(e.attended_agencies), stage_rank=30)]


def _audit_findings(e, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, findings=e.findings, recommendations=e.recommendations, stage_rank=35)]


def _audit_ratified(e, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, ratified_on=e.ratified_on, stage_rank=50)]


def _good_practice(e, env: Envelope) -> list[Change]:
    return [Change(rm_good_practice, {"audit_id": e.audit_id, "agency": e.agency,
                                      "acknowledged_on": e.acknowledged_on})]


def _theme_published(e, env: Envelope) -> list[Change]:
    return [Change(rm_themes, {"source": "theme", "source_id": e.theme_id, "theme": e.title,
                               "on_date": e.published_on, "learning_points": None})]


def _learning_published(e, env: Envelope) -> list[Change]:
    return [_audit(e.audit_id, kind=e.kind, stage_rank=60),
            Change(rm_themes, {"source": "learning", "source_id": e.audit_id, "theme": e.theme,
                               "on_date": e.published_on, "learning_points": e.learning_points})]


def _briefing_held(e, env: Envelope) -> list[Change]:
    return [Change(rm_briefings, {"briefing_id": e.briefing_id, "audit_id": e.audit_id, "held_on": e.held_on,
                                  "attendees": e.attendees})]


def _action(e, rank: int, **values) -> Change:
    return Change(rm_actions, {"action_id": e.action_id, "source": e.source, "audit_id": e.audit_id,
                               "case_id": e.case_id, "owning_agency": e.owning_agency, "due_on": e.due_on,
                               "status_rank": rank, **values})


def _action_created(e, env: Envelope) -> list[Change]:
    return [_action(e, 10, created_on=e.created_on)]


def _action_due_date_set(e, env: Envelope) -> list[Change]:
    return [_action(e, 10)]


def _action_progress(e, env: Envelope) -> list[Change]:
    return [_action(e, 20)]


def _action_completed(e, env: Envelope) -> list[Change]:
    return [_action(e, 40, completed_on=e.completed_on, on_time=e.on_time)]


def _action_overdue(e, env: Envelope) -> list[Change]:
    return [_action(e, 30)]


def _action_escalated(e, env: Envelope) -> list[Change]:
    return [_action(e, 30, escalations=e.escalation, days_overdue=e.days_overdue)]


def _training_completed(e, env: Envelope) -> list[Change]:
    return [Change(rm_training, {"completion_id": e.completion_id, "agency": e.agency, "course": e.course,
                                 "completed_on": e.training_completed_on})]


def _survey(e, **values) -> Change:
    return Change(rm_training_surveys, {"survey_id": e.survey_id, "completion_id": e.completion_id,
                                        "survey": e.survey, "agency": e.agency, "course": e.course, **values})


def _survey_sent(e, env: Envelope) -> list[Change]:
    return [_survey(e, sent_on=e.sent_on)]


def _survey_answered(e, env: Envelope) -> list[Change]:
    # Scores only: a trainee's comments stay in the audits store.
    return [_survey(e, answered_on=e.answered_on, practice_changed=e.practice_changed,
                    confidence_before=e.confidence_before, confidence_after=e.confidence_after,
                    change_noticed=e.change_noticed, team_impact=e.team_impact)]


Projector = Callable[[object, Envelope], list[Change]]

# (producer's contracts, class name) -> projector. Contracts other engineers are still adding are
# looked up by name, so a build of the shared package without them still imports this module.
_BY_NAME: list[tuple[object, str, Projector]] = [
    (R, "CaseOpened", _case_opened), (R, "MilestoneReached", _milestone), (R, "ScopingRequested", _scoping_requested),
    (R, "RapidReviewDecided", _rapid_review_decided), (R, "PanelResponded", _panel_responded),
    (R, "FinalReportReady", _final_report_ready), (R, "ReviewPublished", _review_published),
    (R, "RecommendationsPublished", _recommendations), (R, "ReferralReturned", _referral_returned),
    (R, "SarScreened", _sar_screened), (R, "SarDecided", _sar_decided), (R, "SarDelayChanged", _sar_delay_changed),
    (R, "FindingsRecorded", _findings_recorded),
    (S, "DeadlineScheduled", _deadline_scheduled), (S, "DeadlineDueSoon", _deadline_due_soon),
    (S, "DeadlineMissed", _deadline_missed), (S, "DeadlineEscalated", _deadline_escalated),
    (S, "DeadlineMet", _deadline_met), (S, "DeadlineChanged", _deadline_changed),
    (N, "NotificationSent", _notification_sent),
    (A, "AuditPlanned", _audit_planned), (A, "CasesSampled", _cases_sampled),
    (A, "AuditMilestoneReached", _audit_milestone), (A, "ScopeAgreed", _scope_agreed),
    (A, "AuditToolSent", _tool_sent), (A, "ResponseSubmitted", _response_submitted),
    (A, "ConcernRaised", _concern_raised), (A, "LearningEventHeld", _learning_event_held),
    (A, "FindingsRecorded", _audit_findings), (A, "AuditRatified", _audit_ratified),
    (A, "GoodPracticeAcknowledged", _good_practice), (A, "ThemePublished", _theme_published),
    (A, "LearningPublished", _learning_published), (A, "BriefingHeld", _briefing_held),
    (A, "ActionCreated", _action_created), (A, "ActionDueDateSet", _action_due_date_set),
    (A, "ActionProgressRecorded", _action_progress), (A, "ActionCompleted", _action_completed),
    (A, "ActionOverdue", _action_overdue), (A, "ActionEscalated", _action_escalated),
    (A, "TrainingCompleted", _training_completed), (A, "TrainingSurveySent", _survey_sent),
    (A, "TrainingSurveyAnswered", _survey_answered),
]


def _registry() -> dict[tuple[str, int], tuple[type, Projector]]:
    out = {}
    for module, name, projector in _BY_NAME:
        cls = getattr(module, name, None)
        if cls is not None and getattr(cls, "event_type", None):
            out[(cls.event_type, cls.schema_version)] = (cls, projector)
    return out


PROJECTORS = _registry()


def changes(env: Envelope) -> list[Change]:
    """The read-model rows this event sets; none for an event reporting does not count."""
    entry = PROJECTORS.get((env.event_type, env.schema_version))
    if entry is None:
        return []
    cls, projector = entry
    # Validated against its contract (extra fields forbidden): an event smuggling an identifying
    # field is refused here, before anything is stored, and the consumer dead-letters it.
    return projector(cls.model_validate(env.payload), env)


def counts(env: Envelope) -> bool:
    return (env.event_type, env.schema_version) in PROJECTORS


# --- the replay's fast path: straight from the stream's bytes ------------------------------------------

def _envelope_of(cls: type) -> type[BaseModel]:
    """An envelope whose payload is this contract: parsed from JSON in one pass, no dict in between."""
    return create_model(
        f"{cls.__name__}Envelope", __config__=ConfigDict(extra="forbid"),
        event_id=(str, ...), event_type=(Literal[cls.event_type], ...),  # type: ignore[valid-type]
        schema_version=(Literal[cls.schema_version], ...), occurred_at=(AwareDatetime, ...),  # type: ignore[valid-type]
        correlation_id=(str, ...), causation_id=(str | None, None), producer=(str, ...), payload=(cls, ...))


def _fast_adapter() -> tuple[TypeAdapter, dict[str, Projector]]:
    by_type: dict[str, list] = defaultdict(list)
    for (event_type, _version), (cls, projector) in PROJECTORS.items():
        by_type[event_type].append((cls, projector))
    # One version per type can be told apart by its type alone; a type with several versions takes
    # the general path.
    single = {t: entries[0] for t, entries in by_type.items() if len(entries) == 1}
    union = Union[tuple(_envelope_of(cls) for cls, _ in single.values())]  # type: ignore[valid-type]
    return (TypeAdapter(Annotated[union, Field(discriminator="event_type")]),
            {t: projector for t, (_cls, projector) in single.items()})


_FAST, _FAST_PROJECTORS = _fast_adapter()


def changes_from_json(raw: bytes) -> list[Change] | None:
    """The changes an event's bytes make, or None when reporting does not count it; raises
    ValueError (pydantic's ValidationError is one) for a malformed event or one breaking its contract,
    exactly as ``changes(Envelope.from_json(raw))`` would."""
    try:
        fast = _FAST.validate_json(raw)
    except ValueError:
        env = Envelope.from_json(raw)  # the general path: an unknown type, an old version, or an error
        return changes(env) if counts(env) else None
    return _FAST_PROJECTORS[fast.event_type](fast.payload, fast)


# --- writing ----------------------------------------------------------------------------------------------

def _upsert(dialect: str, table: Table, columns: Iterable[str]):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    rising = RISING.get(table.name, ())
    greatest = func.greatest if dialect == "postgresql" else func.max  # SQLite's two-argument max()
    update = {}
    for name in columns:
        if name in keys:
            continue
        if name in rising:
            update[name] = greatest(func.coalesce(table.c[name], -1), func.coalesce(stmt.excluded[name], -1))
        else:
            update[name] = stmt.excluded[name]
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(index_elements=keys, set_=update)


async def project(session: AsyncSession, env: Envelope) -> None:
    """The live consumer's handler: this event's changes, in the consumer's transaction."""
    if contract_for(env.event_type, env.schema_version) is None:
        return  # an event this version of reporting does not know (yet): skip, don't fail
    dialect = session.bind.dialect.name
    for change in changes(env):
        await session.execute(_upsert(dialect, change.table, change.values), change.values)


class Batch:
    """Changes folded in memory and written in bulk: how a replay keeps up with the streams.

    Later changes to the same row overwrite earlier ones column by column (rising columns keep the
    larger value), so a batch written once equals its changes written one by one.
    """

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple, dict]] = {}
        self.tables: dict[str, Table] = {}
        self.size = 0

    def add(self, change: Change) -> None:
        table = change.table
        rows = self.rows.get(table.name)
        if rows is None:
            rows = self.rows[table.name] = {}
            self.tables[table.name] = table
        key = tuple(change.values[c.name] for c in table.primary_key.columns)
        row = rows.get(key)
        if row is None:
            rows[key] = dict(change.values)
            self.size += 1
            return
        rising = RISING.get(table.name, ())
        for name, value in change.values.items():
            if name in rising and row.get(name) is not None and (value is None or value < row[name]):
                continue
            row[name] = value

    async def write(self, conn: AsyncConnection) -> int:
        """Write every row (grouped by the columns they set, one executemany each); then empty."""
        dialect = conn.dialect.name
        written = 0
        for name, rows in self.rows.items():
            table = self.tables[name]
            groups: dict[tuple, list[dict]] = {}
            for row in rows.values():
                groups.setdefault(tuple(row), []).append(row)
            for columns, group in groups.items():
                await conn.execute(_upsert(dialect, table, columns), group)
                written += len(group)
        self.rows.clear()
        self.size = 0
        return written


__all__ = ["Batch", "Change", "changes", "changes_from_json", "counts", "project"]
