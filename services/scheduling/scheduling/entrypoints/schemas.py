"""The shapes of the scheduling API's requests and responses (OpenAPI has a schema for each).

Responses are served with ``response_model_exclude_unset``: a deadline's optional fields appear
only when they have a value, as they always have; the fields every deadline has appear even when null.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# ISO 8601 as Python writes it ("+00:00"), the form the API has always returned.
Instant = Annotated[datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str)]


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=3, max_length=2000, description="why, in words the board will read")


class OptionalReason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str | None = Field(default=None, max_length=2000)


class SkippedDayOut(BaseModel):
    date: date
    reason: str


class WhoActsOut(BaseModel):
    agency: str | None = None
    role: str | None = None


class DeadlineOut(BaseModel):
    """One rule applied to one case, audit or training completion (and agency, for per-agency rules)."""

    deadline_id: str
    key: str
    due: date
    status: str
    explanation: str = Field(description="what it was counted from, each day skipped and why")
    skipped: list[SkippedDayOut]
    case_id: str | None = None
    audit_id: str | None = None
    completion_id: str | None = Field(default=None, description="a training completion's id")
    who_acts: WhoActsOut
    window_start: date | None = None
    target: date | None = None
    met_on: date | None = None
    on_time: bool | None = None
    working_days_late: int | None = None
    status_reason: str | None = None
    paused_on: date | None = None
    agency: str | None = None
    escalations: int | None = None
    occurrence: int | None = None


class HistoryLine(BaseModel):
    at: Instant
    change: str
    detail: str


class DeadlineWithHistory(DeadlineOut):
    history: list[HistoryLine]


class ThisWeekOut(BaseModel):
    business_date: date
    week_start: date
    week_end: date
    due: list[DeadlineOut]
    overdue: list[DeadlineOut]


class RuleOut(BaseModel):
    key: str
    what: str
    source: list[str]
    anchor: str
    offset: str
    window_from: str | None
    target: str | None
    per_agency: bool
    met_by: str | list[str] = Field(description="the fact that meets it; a list: every one of them must be recorded")
    who_acts: WhoActsOut
    enabled: bool
    locally_changed: list[str]
    note: str | None


class RulesOut(BaseModel):
    version: int
    rules: list[RuleOut]


class WorkingDaysOut(BaseModel):
    start: date
    days: int
    date: date
    skipped: list[SkippedDayOut]
    explanation: str


class EarlyFactOut(BaseModel):
    """A fact kept because the case, audit or training completion it is about has not opened here."""

    occasion: str = Field(description="what it is about: case, audit or training")
    case_id: str | None = None
    audit_id: str | None = None
    completion_id: str | None = None
    fact: str = Field(description="the fact, as the rules file names it (panel_notified, scoping_sent …)")
    on: date = Field(description="the day it happened, applied as such once the occasion opens")
    agency: str | None
    received_at: Instant
    held_for_seconds: int


class EarlyFactsOut(BaseModel):
    checked_at: Instant
    older_than_seconds: int
    count: int
    early_facts: list[EarlyFactOut]


class SubscribeIn(BaseModel):
    """A calendar address of one's own: one case's deadlines, or (no case) every deadline one may see."""

    model_config = ConfigDict(extra="forbid")
    case_id: str | None = Field(default=None, max_length=36)


class SubscriptionOut(BaseModel):
    subscription_id: str
    subject: str
    agency: str
    case_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewSubscriptionOut(SubscriptionOut):
    url: str = Field(description="the secret address to give Outlook or Google Calendar; shown this once only")
