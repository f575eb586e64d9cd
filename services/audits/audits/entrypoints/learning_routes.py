"""HTTP routes for published learning: publishing it, and reading it as HTML or Markdown (prefix /v1)."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from safeguard_shared.auth import CurrentPrincipal

from ..domain.learning import to_html, to_markdown
from ..handlers import audits as handlers
from ..handlers.common import require_qa
from .audits_routes import LearningIn
from .common import runtime_of

router = APIRouter(prefix="/v1", tags=["published learning"])


@router.post("/audits/{audit_id}/learning")
async def publish_learning(audit_id: str, body: LearningIn, principal: CurrentPrincipal, request: Request):
    """Publish the audit's learning, without identifying details, once the executive has ratified the findings."""
    require_qa(principal)
    return await handlers.run_step(runtime_of(request), audit_id, lambda a, today: a.publish_learning(
        summary=body.summary, learning_points=body.learning_points,
        identifying_details_removed=body.identifying_details_removed, today=today))


@router.get("/learning")
async def list_learning(principal: CurrentPrincipal, request: Request):
    """Every audit's published learning, newest last."""
    return await handlers.list_learning(runtime_of(request))


@router.get("/audits/{audit_id}/learning", response_class=PlainTextResponse,
            responses={200: {"content": {"text/markdown": {}, "text/html": {}}}})
async def read_learning(audit_id: str, principal: CurrentPrincipal, request: Request,
                        format: Literal["md", "html"] = "md"):  # noqa: A002
    """The published learning as Markdown (``format=md``) or an HTML page (``format=html``)."""
    audit = await handlers.published_learning(runtime_of(request), audit_id)
    args = (audit.theme, audit.kind, audit.learning, audit.good_practice)
    if format == "html":
        return HTMLResponse(to_html(*args))
    return PlainTextResponse(to_markdown(*args), media_type="text/markdown; charset=utf-8")
