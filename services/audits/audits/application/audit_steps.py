"""The steps of an audit after its plan: each command names the audit and what the QA sub-group
recorded; ``take_step`` loads the audit (locked), lets the domain take the step, and saves the audit
with the events the step owes."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from safeguard_shared.contracts.envelope import Event
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.repository import load_audit, save_audit
from ..domain.audit import Audit
from .audits import audit_view
from .errors import NotFound


class AuditStep(Protocol):
    @property
    def audit_id(self) -> str: ...

    def take(self, audit: Audit, today: date) -> list[Event]: ...


@dataclass(frozen=True)
class AgreeScope:
    audit_id: str
    theme_lead: str
    scope: str
    questions: list[dict[str, str]]

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.agree_scope(theme_lead=self.theme_lead, scope=self.scope, questions=self.questions, today=today)


@dataclass(frozen=True)
class SendInvitations:
    audit_id: str
    held_on: date
    venue: str | None
    programme: list[dict[str, str]]
    invitees: list[dict[str, str]]

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.send_invitations(held_on=self.held_on, venue=self.venue, programme=self.programme,
                                      invitees=self.invitees, today=today)


@dataclass(frozen=True)
class RecordAttendance:
    audit_id: str
    held_on: date
    attended: list[dict[str, str]]
    absence_reasons: dict[str, str]

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.record_attendance(held_on=self.held_on, attended=self.attended,
                                       absence_reasons=self.absence_reasons, today=today)


@dataclass(frozen=True)
class RecordFindings:
    audit_id: str
    findings: list[str]
    recommendations: list[str]

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.record_findings(findings=self.findings, recommendations=self.recommendations, today=today)


@dataclass(frozen=True)
class Ratify:
    audit_id: str
    by: Literal["children_partnership_group", "safeguarding_adults_board", "executive"]
    ratified_on: date

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.ratify(by=self.by, ratified_on=self.ratified_on, today=today)


@dataclass(frozen=True)
class AcknowledgeGoodPractice:
    audit_id: str
    agency: str
    practice: str

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.acknowledge_good_practice(agency=self.agency, practice=self.practice, today=today)


@dataclass(frozen=True)
class PresentReport:
    audit_id: str
    presented_on: date

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.present_report(presented_on=self.presented_on, today=today)


@dataclass(frozen=True)
class PublishLearning:
    audit_id: str
    summary: str
    learning_points: list[str]
    identifying_details_removed: bool

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.publish_learning(summary=self.summary, learning_points=self.learning_points,
                                      identifying_details_removed=self.identifying_details_removed, today=today)


@dataclass(frozen=True)
class RecordBriefing:
    audit_id: str
    held_on: date
    title: str
    attendees: int
    agencies: list[str]
    briefing_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def take(self, audit: Audit, today: date) -> list[Event]:
        return audit.record_briefing(briefing_id=self.briefing_id, held_on=self.held_on, title=self.title,
                                     attendees=self.attendees, agencies=self.agencies, today=today)


async def take_step(cmd: AuditStep, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        audit = await load_audit(uow.session, cmd.audit_id, for_update=True)
        if audit is None:
            raise NotFound("no audit with that audit_id")
        events = cmd.take(audit, uow.clock.today())
        await save_audit(uow.session, audit, uow.now())
        await uow.publish_all(events)
    return audit_view(audit)
