"""HTTP routes for themes and the steps of a multi-agency case file audit (prefix /v1)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, status
from pydantic import Field, model_validator

from safeguard_shared.auth import CurrentPrincipal
from safeguard_shared.types import BusinessDate

from ..application import audit_steps as steps
from ..application import audits as use_cases
from ..application import queries
from ..application.access import require_qa
from .common import ITEMS, MAX_AGENCIES, Agency, Reference, Strict, Text, runtime_of
from .schemas import AuditDetail, AuditOut, AuditSummary, Theme

router = APIRouter(prefix="/v1", tags=["audits"])


class ThemeIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    kinds: list[Literal["children", "adults"]] = Field(min_length=1, max_length=2)
    description: str | None = Field(default=None, max_length=5000)


class Question(Strict):
    id: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=2000)
    kind: Literal["open", "closed"]


class ScopeIn(Strict):
    theme_lead: str = Field(min_length=1, max_length=200)
    scope: str = Field(min_length=1, max_length=20000)
    questions: list[Question] = Field(min_length=1, max_length=200)


class AuditIn(Strict):
    theme: str = Field(min_length=1, max_length=200)
    kind: Literal["children", "adults"]
    qa_meeting_on: BusinessDate
    theme_id: str | None = Field(default=None, max_length=100)
    # The scope may be agreed when the audit is planned, or later with PUT /v1/audits/{id}/scope.
    theme_lead: str | None = Field(default=None, min_length=1, max_length=200)
    scope: str | None = Field(default=None, min_length=1, max_length=20000)
    questions: list[Question] | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _scope_whole(self) -> AuditIn:
        given = [n for n in ("theme_lead", "scope", "questions") if getattr(self, n) is not None]
        if given and len(given) < 3:
            missing = sorted({"theme_lead", "scope", "questions"} - set(given))
            raise ValueError(f"the scope is agreed whole: give {', '.join(missing)} too")
        return self


class ToolIn(Strict):
    # Agencies involved in a sampled case, where the population did not say: {case_reference: [agency]}.
    involved_agencies: dict[Reference, Annotated[list[Agency], Field(max_length=MAX_AGENCIES)]] = Field(
        default={}, max_length=1000)


class ProgrammeItemIn(Strict):
    starts_at: str = Field(min_length=1, max_length=20, description="e.g. 09:30")
    ends_at: str = Field(min_length=1, max_length=20)
    item: str = Field(min_length=1, max_length=300)


class InviteeIn(Strict):
    agency: Agency
    role: str = Field(min_length=1, max_length=100, description="e.g. auditor, lead practitioner, manager")
    required_from: str = Field(min_length=1, max_length=20, description="e.g. 09:30")
    required_until: str = Field(min_length=1, max_length=20)


class InvitationsIn(Strict):
    held_on: BusinessDate
    venue: str | None = Field(default=None, max_length=300)
    programme: list[ProgrammeItemIn] = Field(min_length=1, max_length=50)
    invitees: list[InviteeIn] = Field(min_length=1, max_length=ITEMS)


class AttendeeIn(Strict):
    agency: Agency
    role: str = Field(min_length=1, max_length=100)


class AttendanceIn(Strict):
    held_on: BusinessDate
    attended: list[AttendeeIn] = Field(default=[], max_length=ITEMS)
    absence_reasons: dict[Agency, Annotated[str, Field(max_length=2000)]] = Field(default={}, max_length=MAX_AGENCIES)


class FindingsIn(Strict):
    findings: list[Text] = Field(min_length=1, max_length=ITEMS)
    recommendations: list[Text] = Field(default=[], max_length=ITEMS)


class RatificationIn(Strict):
    by: Literal["children_partnership_group", "safeguarding_adults_board", "executive"]
    ratified_on: BusinessDate


class GoodPracticeIn(Strict):
    agency: Agency
    practice: str = Field(min_length=1, max_length=5000)


class ReportIn(Strict):
    presented_on: BusinessDate


class LearningIn(Strict):
    summary: str = Field(min_length=1, max_length=20000)
    learning_points: list[Text] = Field(default=[], max_length=ITEMS)
    identifying_details_removed: bool


class BriefingIn(Strict):
    held_on: BusinessDate
    title: str = Field(default="Lunchtime briefing", min_length=1, max_length=200)
    attendees: int = Field(ge=0, le=100000)
    agencies: list[Agency] = Field(default=[], max_length=MAX_AGENCIES)


def _questions(questions: list[Question]) -> list[dict[str, str]]:
    return [q.model_dump() for q in questions]


@router.post("/themes", status_code=status.HTTP_201_CREATED, response_model=Theme)
async def publish_theme(body: ThemeIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """The QA sub-group publishes a theme for multi-agency case file audits."""
    require_qa(principal)
    return await use_cases.publish_theme(
        use_cases.PublishTheme(title=body.title, kinds=list(body.kinds), description=body.description),
        principal, runtime_of(request).unit_of_work())


@router.get("/themes", response_model=list[Theme])
async def list_themes(principal: CurrentPrincipal, request: Request) -> list[dict[str, Any]]:
    """The published themes."""
    return await queries.list_themes(runtime_of(request).unit_of_work())


@router.post("/audits", status_code=status.HTTP_201_CREATED, response_model=AuditOut)
async def plan_audit(body: AuditIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Plan a multi-agency case file audit for a theme, backward from the QA sub-group meeting."""
    require_qa(principal)
    cmd = use_cases.PlanAudit(theme=body.theme, kind=body.kind, qa_meeting_on=body.qa_meeting_on,
                              theme_id=body.theme_id, theme_lead=body.theme_lead, scope=body.scope,
                              questions=_questions(body.questions) if body.questions else None)
    return await use_cases.plan_audit(cmd, principal, runtime_of(request).unit_of_work())


@router.get("/audits", response_model=list[AuditSummary])
async def list_audits(principal: CurrentPrincipal, request: Request,
                      kind: Literal["children", "adults"] | None = None,
                      status: str | None = None) -> list[dict[str, Any]]:
    """The audits, by QA sub-group meeting date."""
    require_qa(principal)
    return await queries.list_audits(runtime_of(request).unit_of_work(), kind=kind, status=status)


@router.get("/audits/{audit_id}", response_model=AuditDetail)
async def get_audit(audit_id: str, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """One audit: its scope and tool, draw, returns by agency, concerns, session, findings and ratification."""
    require_qa(principal)
    return await queries.get_audit(runtime_of(request).unit_of_work(), audit_id, principal)


async def _step(request: Request, cmd: steps.AuditStep) -> dict[str, Any]:
    return await steps.take_step(cmd, runtime_of(request).unit_of_work())


@router.put("/audits/{audit_id}/scope", response_model=AuditOut)
async def agree_scope(audit_id: str, body: ScopeIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Name the theme lead, agree the scope and devise the audit tool (fixed once it goes to the agencies)."""
    require_qa(principal)
    return await _step(request, steps.AgreeScope(audit_id, theme_lead=body.theme_lead, scope=body.scope,
                                                 questions=_questions(body.questions)))


@router.post("/audits/{audit_id}/tool", response_model=AuditOut)
async def send_tool(audit_id: str, body: ToolIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Send the case file audit template to the leads of the agencies involved in the sampled cases."""
    require_qa(principal)
    return await use_cases.send_tool(use_cases.SendTool(audit_id, {k: list(v) for k, v in
                                                                   body.involved_agencies.items()}),
                                     runtime_of(request).unit_of_work())


@router.post("/audits/{audit_id}/invitations", response_model=AuditOut)
async def send_invitations(audit_id: str, body: InvitationsIn, principal: CurrentPrincipal,
                           request: Request) -> dict[str, Any]:
    """Invite the agencies to the audit session and learning event: the programme and each invitee's times."""
    require_qa(principal)
    return await _step(request, steps.SendInvitations(
        audit_id, held_on=body.held_on, venue=body.venue, programme=[p.model_dump() for p in body.programme],
        invitees=[i.model_dump() for i in body.invitees]))


@router.post("/audits/{audit_id}/attendance", response_model=AuditOut)
async def record_attendance(audit_id: str, body: AttendanceIn, principal: CurrentPrincipal,
                            request: Request) -> dict[str, Any]:
    """Who attended the audit session, by agency; invited agencies that did not come are recorded absent."""
    require_qa(principal)
    return await _step(request, steps.RecordAttendance(
        audit_id, held_on=body.held_on, attended=[a.model_dump() for a in body.attended],
        absence_reasons=dict(body.absence_reasons)))


@router.post("/audits/{audit_id}/findings", response_model=AuditOut)
async def record_findings(audit_id: str, body: FindingsIn, principal: CurrentPrincipal,
                          request: Request) -> dict[str, Any]:
    """The audit's findings and recommendations (they can change until ratification begins)."""
    require_qa(principal)
    return await _step(request, steps.RecordFindings(audit_id, findings=body.findings,
                                                     recommendations=body.recommendations))


@router.post("/audits/{audit_id}/ratifications", response_model=AuditOut)
async def ratify(audit_id: str, body: RatificationIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Ratification: the children's partnership group or the safeguarding adults board, then the executive."""
    require_qa(principal)
    return await _step(request, steps.Ratify(audit_id, by=body.by, ratified_on=body.ratified_on))


@router.post("/audits/{audit_id}/good-practice", response_model=AuditOut)
async def acknowledge_good_practice(audit_id: str, body: GoodPracticeIn, principal: CurrentPrincipal,
                                    request: Request) -> dict[str, Any]:
    """Acknowledge good or excellent practice the audit found in an agency."""
    require_qa(principal)
    return await _step(request, steps.AcknowledgeGoodPractice(audit_id, agency=body.agency, practice=body.practice))


@router.post("/audits/{audit_id}/report", response_model=AuditOut)
async def present_report(audit_id: str, body: ReportIn, principal: CurrentPrincipal,
                         request: Request) -> dict[str, Any]:
    """The report and action plan were presented at the QA sub-group."""
    require_qa(principal)
    return await _step(request, steps.PresentReport(audit_id, presented_on=body.presented_on))


@router.post("/audits/{audit_id}/briefings", status_code=status.HTTP_201_CREATED, response_model=AuditOut)
async def record_briefing(audit_id: str, body: BriefingIn, principal: CurrentPrincipal,
                          request: Request) -> dict[str, Any]:
    """A lunchtime briefing fed the audit's learning back to front-line staff."""
    require_qa(principal)
    return await _step(request, steps.RecordBriefing(audit_id, held_on=body.held_on, title=body.title,
                                                     attendees=body.attendees, agencies=list(body.agencies)))
