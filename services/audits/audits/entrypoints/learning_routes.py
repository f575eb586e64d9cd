"""HTTP routes for published learning: publishing it, and reading it as HTML or Markdown (prefix /v1)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from safeguard_shared.auth import CurrentPrincipal

from ..application import queries
from ..application.access import require_qa
from ..application.audit_steps import PublishLearning, take_step
from ..domain.learning import to_html, to_markdown
from .audits_routes import LearningIn
from .common import runtime_of
from .schemas import AuditOut, LearningSummary

router = APIRouter(prefix="/v1", tags=["published learning"])


@router.post("/audits/{audit_id}/learning", response_model=AuditOut)
async def publish_learning(audit_id: str, body: LearningIn, principal: CurrentPrincipal,
                           request: Request) -> dict[str, Any]:
    """Publish the audit's learning, without identifying details, once the executive has ratified the findings."""
    require_qa(principal)
    return await take_step(PublishLearning(audit_id, summary=body.summary, learning_points=body.learning_points,
                                           identifying_details_removed=body.identifying_details_removed),
                           runtime_of(request).unit_of_work())


@router.get("/learning", response_model=list[LearningSummary])
async def list_learning(principal: CurrentPrincipal, request: Request) -> list[dict[str, Any]]:
    """Every audit's published learning, newest last."""
    return await queries.list_learning(runtime_of(request).unit_of_work())


@router.get("/audits/{audit_id}/learning", response_class=PlainTextResponse,
            responses={200: {"content": {"text/markdown": {}, "text/html": {}}}})
async def read_learning(audit_id: str, principal: CurrentPrincipal, request: Request,
                        format: Literal["md", "html"] = "md") -> Response:  # noqa: A002
    """The published learning as Markdown (``format=md``) or an HTML page (``format=html``)."""
    audit = await queries.published_learning(runtime_of(request).unit_of_work(), audit_id)
    learning: Mapping[str, Any] = audit.learning or {}
    if format == "html":
        return HTMLResponse(to_html(audit.theme, audit.kind, learning, audit.good_practice))
    return PlainTextResponse(to_markdown(audit.theme, audit.kind, learning, audit.good_practice),
                             media_type="text/markdown; charset=utf-8")
