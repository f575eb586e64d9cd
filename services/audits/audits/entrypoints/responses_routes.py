"""HTTP routes for agencies' audit responses and immediate safeguarding concerns (prefix /v1)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, status
from pydantic import Field

from safeguard_shared.auth import CurrentPrincipal

from ..application import queries
from ..application import responses as use_cases
from ..application.access import require_agency_or_qa
from .common import Agency, Strict, runtime_of
from .schemas import ConcernOut, OwedResponse, ResponseOut

router = APIRouter(prefix="/v1/audits/{audit_id}", tags=["audit responses"])
# Across audits: how an agency finds the audits it was asked to answer.
owed_router = APIRouter(prefix="/v1", tags=["audit responses"])


class DraftIn(Strict):
    # {question_id: answer}; an agency that holds nothing says "no information available".
    answers: dict[str, Annotated[str, Field(max_length=20000)]] = Field(default_factory=dict, max_length=200)
    impact_evidence: str | None = Field(default=None, max_length=20000)


class SubmitIn(DraftIn):
    """The final answers (without a body, the saved draft is submitted)."""


class ConcernIn(Strict):
    agency_concerned: Agency
    concern: str = Field(min_length=1, max_length=20000, description="kept on the audit; never in an event")
    case_no: int | None = Field(default=None, ge=1, le=4)
    action_taken: str | None = Field(default=None, max_length=20000)


@router.get("/responses", response_model=list[ResponseOut])
async def list_responses(audit_id: str, principal: CurrentPrincipal, request: Request) -> list[dict[str, Any]]:
    """The responses owed for the audit: an agency sees only its own, with the tool's questions."""
    return await queries.list_responses(runtime_of(request).unit_of_work(), principal, audit_id)


@router.get("/responses/{response_id}", response_model=ResponseOut)
async def get_response(audit_id: str, response_id: str, principal: CurrentPrincipal,
                       request: Request) -> dict[str, Any]:
    """One response (an agency's own, or any for the QA sub-group)."""
    return await queries.get_response(runtime_of(request).unit_of_work(), principal, audit_id, response_id)


@router.put("/responses/{response_id}", response_model=ResponseOut)
async def save_draft(audit_id: str, response_id: str, body: DraftIn, principal: CurrentPrincipal,
                     request: Request) -> dict[str, Any]:
    """Save the agency's draft (it may be incomplete); replaces the previous draft."""
    return await use_cases.save_draft(use_cases.SaveDraft(audit_id, response_id, dict(body.answers),
                                                          body.impact_evidence),
                                      principal, runtime_of(request).unit_of_work())


@router.post("/responses/{response_id}/submit", response_model=ResponseOut)
async def submit(audit_id: str, response_id: str, principal: CurrentPrincipal, request: Request,
                 body: SubmitIn | None = None) -> dict[str, Any]:
    """Submit the response, once complete: every broken rule is listed, one per question or field, and
    nothing is saved. Without a body, the saved draft is submitted."""
    cmd = use_cases.Submit(audit_id, response_id, dict(body.answers) if body is not None else None,
                           body.impact_evidence if body is not None else None)
    return await use_cases.submit(cmd, principal, runtime_of(request).unit_of_work())


@router.post("/concerns", status_code=status.HTTP_201_CREATED, response_model=ConcernOut)
async def raise_concern(audit_id: str, body: ConcernIn, principal: CurrentPrincipal,
                        request: Request) -> dict[str, Any]:
    """An immediate safeguarding concern found while auditing: recorded on the audit and escalated at once
    to the business unit and the agency concerned."""
    require_agency_or_qa(principal)
    return await use_cases.raise_concern(use_cases.RaiseConcern(
        audit_id, agency_concerned=body.agency_concerned, concern=body.concern, case_no=body.case_no,
        action_taken=body.action_taken), principal, runtime_of(request).unit_of_work())


@owed_router.get("/responses", response_model=list[OwedResponse])
async def owed_responses(principal: CurrentPrincipal, request: Request,
                         status: Literal["not_started", "draft", "submitted"] | None = None,  # noqa: A002
                         agency: str | None = None) -> list[dict[str, Any]]:
    """The responses owed across every audit, without their answers: an agency's staff see their own
    agency's (``agency`` is then ignored), the QA sub-group every agency's; by QA sub-group meeting."""
    return await queries.owed_responses(runtime_of(request).unit_of_work(), principal, status=status, agency=agency)
