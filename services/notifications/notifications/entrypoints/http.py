"""HTTP routes of the notifications service (prefix /v1)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from safeguard_shared.auth import CurrentPrincipal, require_roles

from .. import handlers

router = APIRouter(prefix="/v1", tags=["notifications"])

READ_ROLES = ("business_unit", "panel_member", "independent_chair", "qa_lead", "admin")
BODY_ROLES = ("business_unit", "admin")


@router.get("/notifications")
async def list_notifications(request: Request, principal: CurrentPrincipal, case_id: str | None = None,
                             audit_id: str | None = None):
    """Messages for a case or an audit with their delivery status and its times; the business unit
    also sees what was sent, to whom, and each attempt."""
    require_roles(principal, *READ_ROLES)
    if not case_id and not audit_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["query", "case_id"], "msg": "give case_id or audit_id", "type": "missing"}])
    runtime = request.app.state.runtime
    with_body = principal.has_any(BODY_ROLES)
    listed = await handlers.list_notifications(runtime, case_id=case_id, audit_id=audit_id, with_body=with_body)
    if with_body:
        await handlers.record_reads(runtime, [m["notification_id"] for m in listed], what="body",
                                    subject=principal.subject, agency=principal.agency)
    return listed


async def _found(request: Request, notification_id: str) -> tuple[dict, list[dict]]:
    found = await handlers.notification_with_documents(request.app.state.runtime, notification_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no notification with that id")
    return found


@router.get("/notifications/{notification_id}/message.eml")
async def message_eml(notification_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    """The message as an RFC 5322 file, to open in any mail program: what was (or will be) sent."""
    require_roles(principal, *BODY_ROLES)
    row, docs = await _found(request, notification_id)
    await handlers.record_reads(request.app.state.runtime, [notification_id], what="eml",
                                subject=principal.subject, agency=principal.agency)
    return Response(request.app.state.notifier.eml(row, docs), media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="{notification_id}.eml"'})


@router.get("/notifications/{notification_id}/letter.pdf")
async def letter_pdf(notification_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    """The PDF that goes with the message: the letter (to a family or advocate, to print and post)
    or the document attached (the completed rapid review template to the Panel)."""
    require_roles(principal, *BODY_ROLES)
    row, docs = await _found(request, notification_id)
    pdfs = sorted((d for d in docs if d["content_type"] == "application/pdf"), key=lambda d: d["kind"] != "letter")
    if not pdfs:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this message has no PDF")
    await handlers.record_reads(request.app.state.runtime, [notification_id], what="pdf",
                                subject=principal.subject, agency=principal.agency)
    return Response(pdfs[0]["content"], media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{pdfs[0]["filename"]}"'})
