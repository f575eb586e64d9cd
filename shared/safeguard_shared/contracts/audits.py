"""Events the audits service publishes (subject prefix ``audits.``)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from .envelope import Event, register


@register
class AuditPlanned(Event):
    """A multi-agency case file audit was planned for a theme, backward from the QA sub-group meeting."""

    event_type = "audits.audit.planned"
    schema_version = 1

    audit_id: str
    theme: str
    kind: Literal["children", "adults"]
    qa_meeting_on: date


@register
class CasesSampled(Event):
    """Four cases were drawn at random for an audit; the seed and population digest make it re-runnable."""

    event_type = "audits.audit.cases_sampled"
    schema_version = 1

    audit_id: str
    seed: int
    population_digest: str
    population_size: int
    sample_size: int
