"""HTTP routes of the notifications service (prefix /v1)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from safeguard_shared.auth import CurrentPrincipal, require_roles

from .. import handlers

router = APIRouter(prefix="/v1", tags=["notifications"])

READ_ROLES = ("business_unit", "panel_member", "independent_chair", "qa_lead", "admin")
BODY_ROLES = {"business_unit", "admin"}


@router.get("/notifications")
async def list_notifications(request: Request, principal: CurrentPrincipal, case_id: str | None = None,
                             audit_id: str | None = None):
    """Messages for a case or an audit with their delivery status; the business unit also sees what was sent."""
    require_roles(principal, *READ_ROLES)
    if not case_id and not audit_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["query", "case_id"], "msg": "give case_id or audit_id", "type": "missing"}])
    return await handlers.list_notifications(request.app.state.runtime, case_id=case_id, audit_id=audit_id,
                                             with_body=principal.has_any(BODY_ROLES))
