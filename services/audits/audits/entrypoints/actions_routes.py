"""HTTP routes for action plans: from audits and from reviews, progress, completion, export (prefix /v1)."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import Field

from safeguard_shared.auth import CurrentPrincipal
from safeguard_shared.params import IdFilter
from safeguard_shared.types import BusinessDate

from ..adapters.exports import to_csv, to_xlsx
from ..application import actions as use_cases
from ..application import queries
from ..application.access import require_qa
from .common import Agency, Strict, runtime_of
from .schemas import ActionDetail, ActionOut

router = APIRouter(prefix="/v1", tags=["action plans"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXPORT_COLUMNS = ["action_id", "source", "audit_id", "case_id", "owning_agency", "description", "status", "due_on",
                  "overdue", "overdue_since", "escalations", "updates", "latest_progress", "completed_on",
                  "completion_evidence", "created_on"]


class ActionIn(Strict):
    description: str = Field(min_length=1, max_length=5000)
    owning_agency: Agency
    due_on: BusinessDate


class DueDateIn(Strict):
    due_on: BusinessDate


class ProgressIn(Strict):
    note: str = Field(min_length=1, max_length=5000)


class CompletionIn(Strict):
    evidence: str = Field(min_length=1, max_length=20000)
    completed_on: BusinessDate | None = None


@router.post("/audits/{audit_id}/actions", status_code=status.HTTP_201_CREATED, response_model=ActionDetail)
async def add_audit_action(audit_id: str, body: ActionIn, principal: CurrentPrincipal,
                           request: Request) -> dict[str, Any]:
    """Add an action to the audit's action plan: what, which agency owns it, by when."""
    require_qa(principal)
    cmd = use_cases.AddAuditAction(audit_id, description=body.description, owning_agency=body.owning_agency,
                                   due_on=body.due_on)
    return await use_cases.add_audit_action(cmd, principal, runtime_of(request).unit_of_work())


@router.get("/actions", response_model=list[ActionOut])
async def list_actions(principal: CurrentPrincipal, request: Request, audit_id: IdFilter = None,
                       case_id: IdFilter = None, agency: str | None = None,
                       status: Literal["proposed", "open", "completed"] | None = None,  # noqa: A002
                       overdue: bool | None = None) -> list[dict[str, Any]]:
    """The action plans (an agency sees its own actions): filter by audit, review case, agency, status, overdue."""
    return await queries.list_actions(runtime_of(request).unit_of_work(), principal, audit_id=audit_id,
                                      case_id=case_id, agency=agency, status=status, overdue=overdue)


@router.get("/actions/export", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                         XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
async def export_actions(principal: CurrentPrincipal, request: Request, format: Literal["csv", "xlsx"] = "csv",  # noqa: A002
                         audit_id: IdFilter = None, case_id: IdFilter = None, agency: str | None = None,
                         status: Literal["proposed", "open", "completed"] | None = None,
                         overdue: bool | None = None) -> Response:
    """The action plan as a CSV file or an Excel workbook, with the same filters as the list."""
    runtime = runtime_of(request)
    rows = await queries.action_plan(runtime.unit_of_work(), principal, audit_id=audit_id, case_id=case_id,
                                     agency=agency, status=status, overdue=overdue)
    name = f"action-plan-{runtime.clock.today().isoformat()}"
    if format == "xlsx":
        return Response(to_xlsx(EXPORT_COLUMNS, rows), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(to_csv(EXPORT_COLUMNS, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@router.get("/actions/{action_id}", response_model=ActionDetail)
async def get_action(action_id: str, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """One action with its progress updates."""
    return await queries.get_action(runtime_of(request).unit_of_work(), principal, action_id)


@router.put("/actions/{action_id}/due-date", response_model=ActionDetail)
async def set_due_date(action_id: str, body: DueDateIn, principal: CurrentPrincipal,
                       request: Request) -> dict[str, Any]:
    """The QA sub-group agrees (or moves) the action's due date; an overdue action starts afresh."""
    return await use_cases.set_due_date(use_cases.SetDueDate(action_id, body.due_on), principal,
                                        runtime_of(request).unit_of_work())


@router.post("/actions/{action_id}/progress", response_model=ActionDetail)
async def record_progress(action_id: str, body: ProgressIn, principal: CurrentPrincipal,
                          request: Request) -> dict[str, Any]:
    """The owning agency (or the QA sub-group) reports progress."""
    return await use_cases.record_progress(use_cases.RecordProgress(action_id, body.note), principal,
                                           runtime_of(request).unit_of_work())


@router.post("/actions/{action_id}/complete", response_model=ActionDetail)
async def complete(action_id: str, body: CompletionIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """The action is done: the evidence of completion is required."""
    return await use_cases.complete(use_cases.Complete(action_id, body.evidence, body.completed_on), principal,
                                    runtime_of(request).unit_of_work())
