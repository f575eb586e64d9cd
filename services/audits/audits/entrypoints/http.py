"""HTTP routes of the audits service (prefix /v1)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from safeguard_shared.auth import CurrentPrincipal, require_roles

from .. import handlers

router = APIRouter(prefix="/v1", tags=["audits"])
QA_ROLES = ("qa_lead", "business_unit")


class AuditIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    theme: str = Field(min_length=1, max_length=200)
    kind: Literal["children", "adults"]
    qa_meeting_on: date


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    population: list[str] = Field(min_length=4, max_length=1_000_000)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)


@router.post("/audits", status_code=status.HTTP_201_CREATED)
async def plan_audit(body: AuditIn, principal: CurrentPrincipal, request: Request):
    """Plan a multi-agency case file audit for a theme, backward from the QA sub-group meeting."""
    require_roles(principal, *QA_ROLES)
    return await handlers.plan_audit(request.app.state.runtime, principal, theme=body.theme, kind=body.kind,
                                     qa_meeting_on=body.qa_meeting_on)


@router.get("/audits/{audit_id}")
async def get_audit(audit_id: str, principal: CurrentPrincipal, request: Request):
    """One audit and its draw, if made."""
    require_roles(principal, *QA_ROLES)
    audit = await handlers.get_audit(request.app.state.runtime, audit_id)
    if audit is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no audit with that audit_id")
    return audit


@router.post("/audits/{audit_id}/sample")
async def sample(audit_id: str, body: SampleIn, principal: CurrentPrincipal, request: Request, response: Response):
    """Draw four cases at random (seed and population digest recorded); asking again returns the same draw."""
    require_roles(principal, *QA_ROLES)
    runtime = request.app.state.runtime
    if await handlers.get_audit(runtime, audit_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no audit with that audit_id")
    try:
        result, created = await handlers.sample_cases(runtime, principal, audit_id, body.population, body.seed)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["body", "population"], "msg": str(exc), "type": "value_error"}]) from None
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return result
