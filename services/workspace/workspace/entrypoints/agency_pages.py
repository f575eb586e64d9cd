"""An agency's work: what it must return and by when, its scoping return with a chronology, and a
case's documents (listed, added and downloaded through the referrals service, as the person)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from ..adapters.referrals_api import ReferralsApi
from ..application import action_plans, agency_work, cases
from ..application import audits as audit_forms
from ..application.referral_form import FieldError
from . import web

router = APIRouter(tags=["agencies"])
# What of the referrals service's download answer is passed on to the browser.
PASSED_HEADERS = ("content-type", "content-disposition")


@router.get("/agency-work")
async def the_agencys_work(request: Request) -> Response:
    """The agency's deadlines on the partnership's cases: overdue, and due this week."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    assert ws.scheduling is not None
    today = ws.clock.today()
    items = await agency_work.agency_work(ws.referrals, ws.scheduling, token, session.agency or "", today)
    audit_work = await agency_work.audit_work(ws.audits, token, today) if ws.audits else None
    return web.page(request, "agency_work.html", session, items=items, today=today, audit_work=audit_work,
                    RESPONSE_STATUS=audit_forms.RESPONSE_STATUS, is_overdue=action_plans.is_overdue)


async def _scoping_page(request: Request, case_id: str, *, values: dict[str, list[str]] | None = None,
                        errors: list[FieldError] | None = None, status: int = 200) -> Response:
    session, token = await web.signed_in_person(request)
    case = await cases.read_case(web.workspace(request).referrals, token, case_id)
    step = agency_work.scoping_return_step(case["pathway"], session.agency or "")
    return web.page(request, "step.html", session, case=case, step=step, fields=step.fields, values=values or {},
                    errors=errors, status=status, for_agency=session.agency,
                    form_action=f"/cases/{case_id}/scoping-return", file_field=agency_work.DOCUMENT_FILE,
                    file_label="Your agency's chronology (optional)",
                    intro="Tell the partnership what your agency knows, and confirm your records are kept safe "
                          "for the review.")


@router.get("/cases/{case_id}/scoping-return")
async def scoping_return_form(request: Request, case_id: str) -> Response:
    """The signed-in person's agency's scoping return for the case, with its chronology."""
    return await _scoping_page(request, case_id)


async def _posted(request: Request) -> tuple[Any, dict[str, list[str]], Any]:
    """The session, the form's text fields and its file, once the CSRF token is checked."""
    session = await web.signed_in(request)
    form = await request.form()
    fields = web.form_lists(form)
    if session is None:
        raise web.SignInFirst()
    web.check_csrf(session, fields)
    return session, fields, agency_work.chosen_file(form.get("file"))


@router.post("/cases/{case_id}/scoping-return")
async def return_scoping(request: Request, case_id: str) -> Response:
    """Send the scoping return; then the chronology, if one was chosen, as the agency's document."""
    session, form, upload = await _posted(request)
    ws = web.workspace(request)
    case = await cases.read_case(ws.referrals, session.token, case_id)
    try:
        errors = await agency_work.return_scoping(ws.referrals, session.token, case, session.agency or "", form)
    except cases.OutOfOrder as exc:
        errors = [FieldError("records_secured" if case["pathway"] == "child" else "no_information_held",
                             str(exc)[:1].upper() + str(exc)[1:])]
    if errors:
        return await _scoping_page(request, case_id, values=form, errors=errors)
    message = "Scoping returned"
    if upload is not None:
        problems = await agency_work.add_document(ws.referrals, session.token, case_id, "chronology",
                                                  upload.filename, upload.file, upload.content_type)
        if problems:
            # The return itself is sent (the API took it); only the file is to choose again.
            return web.page(request, "add_document.html", session, case=case, errors=problems,
                            values={"kind": ["chronology"]}, kinds=agency_work.DOCUMENT_KIND,
                            file_field=agency_work.DOCUMENT_FILE, returned=True, status=422)
        message = "Scoping returned, with your chronology"
    await ws.store.set_flash(session.session_id, {"kind": "step", "message": message})
    return web.see_other(f"/cases/{case_id}")


@router.get("/cases/{case_id}/documents/new")
async def add_document_form(request: Request, case_id: str) -> Response:
    """Add a document to the case: a chronology, an IMR, a scoping return or another paper."""
    session, token = await web.signed_in_person(request)
    case = await cases.read_case(web.workspace(request).referrals, token, case_id)
    return web.page(request, "add_document.html", session, case=case, values={}, kinds=agency_work.DOCUMENT_KIND,
                    file_field=agency_work.DOCUMENT_FILE, returned=False)


@router.post("/cases/{case_id}/documents")
async def add_document(request: Request, case_id: str) -> Response:
    """Pass the file on to the referrals service, which checks its content and who may add it."""
    session, form, upload = await _posted(request)
    ws = web.workspace(request)
    kind = (form.get("kind") or [""])[0]
    if upload is None:
        errors = [FieldError("file", agency_work.DOCUMENT_FILE.missing)]
    else:
        errors = await agency_work.add_document(ws.referrals, session.token, case_id, kind, upload.filename,
                                                upload.file, upload.content_type)
    if errors:
        case = await cases.read_case(ws.referrals, session.token, case_id)
        return web.page(request, "add_document.html", session, case=case, errors=errors, values=form,
                        kinds=agency_work.DOCUMENT_KIND, file_field=agency_work.DOCUMENT_FILE, returned=False,
                        status=422)
    await ws.store.set_flash(session.session_id, {"kind": "step", "message": "Document added"})
    return web.see_other(f"/cases/{case_id}")


@router.get("/cases/{case_id}/documents/{document_id}")
async def download_document(request: Request, case_id: str, document_id: str) -> Response:
    """The document's content, streamed from the referrals service (which records the read)."""
    _session, token = await web.signed_in_person(request)
    response = await web.workspace(request).referrals.document(token, case_id, document_id)
    if response.status_code != 200:
        await response.aread()
        await response.aclose()
        cases.expect(await ReferralsApi._answer(response), 200)
    headers = {k: v for k, v in response.headers.items() if k.lower() in PASSED_HEADERS}
    return StreamingResponse(response.aiter_bytes(), status_code=200, background=BackgroundTask(response.aclose),
                             headers=headers | {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
