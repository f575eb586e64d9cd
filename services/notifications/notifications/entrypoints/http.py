"""HTTP routes of the notifications service (prefix /v1): parse, authorise, ask the application."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status

from safeguard_shared.auth import CurrentPrincipal, require_roles
from safeguard_shared.params import IdFilter

from ..application import queries
from .schemas import NotificationOut

router = APIRouter(prefix="/v1", tags=["notifications"])

READ_ROLES = ("business_unit", "panel_member", "independent_chair", "qa_lead", "admin")
BODY_ROLES = ("business_unit", "admin")
BINARY = {"type": "string", "format": "binary"}  # the OpenAPI schema of a file's bytes


@router.get("/notifications", response_model=list[NotificationOut], response_model_exclude_unset=True)
async def list_notifications(request: Request, principal: CurrentPrincipal, case_id: IdFilter = None,
                             audit_id: IdFilter = None) -> list[dict[str, Any]]:
    """Messages for a case or an audit with their delivery status and its times; the business unit
    also sees what was sent, to whom, and each attempt."""
    require_roles(principal, *READ_ROLES)
    if not case_id and not audit_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["query", "case_id"], "msg": "give case_id or audit_id", "type": "missing"}])
    with_body = principal.has_any(BODY_ROLES)
    async with request.app.state.runtime.unit_of_work() as uow:
        listed = await queries.list_notifications(uow, case_id=case_id, audit_id=audit_id, with_body=with_body)
        await queries.record_read(uow, principal, "notifications, with what was sent" if with_body else "notifications",
                                  case_id=case_id, audit_id=audit_id)
    return listed


@router.get("/notifications/{notification_id}/message.eml", response_class=Response,
            responses={200: {"content": {"message/rfc822": {"schema": BINARY}}, "description": "The message as sent."}})
async def message_eml(notification_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    """The message as an RFC 5322 file, to open in any mail program: what was (or will be) sent."""
    require_roles(principal, *BODY_ROLES)
    dispatcher = request.app.state.dispatcher
    try:
        async with request.app.state.runtime.unit_of_work() as uow:
            eml = await queries.message_as_sent(uow, notification_id, dispatcher.channel, dispatcher.sender)
            await queries.record_read(uow, principal, "message as sent", notification_id=notification_id)
    except queries.NotificationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no notification with that id") from None
    return Response(eml, media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="{notification_id}.eml"'})


@router.get("/notifications/{notification_id}/letter.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": BINARY}},
                                  "description": "The letter or document."}})
async def letter_pdf(notification_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    """The PDF that goes with the message: the letter (to a family or advocate, to print and post)
    or the document attached (the completed rapid review template to the Panel)."""
    require_roles(principal, *BODY_ROLES)
    try:
        async with request.app.state.runtime.unit_of_work() as uow:
            pdf = await queries.letter_pdf(uow, notification_id)
            await queries.record_read(uow, principal, "letter", notification_id=notification_id)
    except queries.NotificationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no notification with that id") from None
    except queries.NoPdf:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this message has no PDF") from None
    return Response(pdf["content"], media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{pdf["filename"]}"'})
