"""An agency's work: what it must return and by when, its scoping return with a chronology, and a
case's documents (listed, added and downloaded through the referrals service, as the person)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from ..adapters.referrals_api import ReferralsApi
from ..application import action_plans, agency_work, cases
from ..application import audits as audit_forms
from ..application.referral_form import FieldError
from ..application.step import Step
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


@dataclass(frozen=True)
class AgencyReturn:
    """A form an agency sends for itself on a case, with a file it may add as its document."""

    slug: str  # /cases/{id}/{slug}
    step: Callable[[str, str], Step]  # (pathway, agency) → the step
    file_kind: str
    file_label: str
    intro: str
    sent: str
    sent_with_file: str


SCOPING_RETURN = AgencyReturn(
    "scoping-return", agency_work.scoping_return_step, "chronology", "Your agency's chronology (optional)",
    "Tell the partnership what your agency knows, and confirm your records are kept safe for the review.",
    "Scoping returned", "Scoping returned, with your chronology")
IMR_RETURN = AgencyReturn(
    "imr", agency_work.imr_step, "imr", "Your agency's IMR as a document (optional)",
    "Your agency's individual management review of its work with the adult, by a manager independent of the "
    "case: its chronology, a review of its records, and interviews with the staff involved.",
    "IMR sent", "IMR sent, with its document")


async def _return_page(request: Request, case_id: str, form: AgencyReturn, *,
                       values: dict[str, list[str]] | None = None, errors: list[FieldError] | None = None,
                       status: int = 200) -> Response:
    session, token = await web.signed_in_person(request)
    case = await cases.read_case(web.workspace(request).referrals, token, case_id)
    step = form.step(case["pathway"], session.agency or "")
    return web.page(request, "step.html", session, case=case, step=step, fields=step.fields, values=values or {},
                    errors=errors, status=status, for_agency=session.agency,
                    form_action=f"/cases/{case_id}/{form.slug}", file_field=agency_work.DOCUMENT_FILE,
                    file_label=form.file_label, intro=form.intro)


async def _posted(request: Request) -> tuple[Any, dict[str, list[str]], Any]:
    """The session, the form's text fields and its file, once the CSRF token is checked."""
    session = await web.signed_in(request)
    form = await request.form()
    fields = web.form_lists(form)
    if session is None:
        raise web.SignInFirst()
    web.check_csrf(session, fields)
    return session, fields, agency_work.chosen_file(form.get("file"))


async def _send_return(request: Request, case_id: str, sent: AgencyReturn) -> Response:
    """Send the agency's return; then its file, if one was chosen, as the agency's document."""
    session, form, upload = await _posted(request)
    ws = web.workspace(request)
    case = await cases.read_case(ws.referrals, session.token, case_id)
    step = sent.step(case["pathway"], session.agency or "")
    try:
        errors = await cases.take_step(ws.referrals, session.token, case_id, step, form)
    except cases.OutOfOrder as exc:
        errors = [FieldError(step.fields[0].path, str(exc)[:1].upper() + str(exc)[1:])]
    if errors:
        return await _return_page(request, case_id, sent, values=form, errors=errors)
    message = sent.sent
    if upload is not None:
        problems = await agency_work.add_document(ws.referrals, session.token, case_id, sent.file_kind,
                                                  upload.filename, upload.file, upload.content_type)
        if problems:
            # The return itself is sent (the API took it); only the file is to choose again.
            return web.page(request, "add_document.html", session, case=case, errors=problems,
                            values={"kind": [sent.file_kind]}, kinds=agency_work.DOCUMENT_KIND,
                            file_field=agency_work.DOCUMENT_FILE, returned=f"{sent.sent}.", status=422)
        message = sent.sent_with_file
    await ws.store.set_flash(session.session_id, {"kind": "step", "message": message})
    return web.see_other(f"/cases/{case_id}")


def _declare(form: AgencyReturn) -> None:
    """The return's form (GET) and its sending (POST) at ``/cases/{case_id}/{slug}``."""
    async def show(request: Request, case_id: str) -> Response:
        return await _return_page(request, case_id, form)

    async def send(request: Request, case_id: str) -> Response:
        return await _send_return(request, case_id, form)

    router.get(f"/cases/{{case_id}}/{form.slug}", name=f"{form.slug}_form")(show)
    router.post(f"/cases/{{case_id}}/{form.slug}", name=f"send_{form.slug}")(send)


# The agency's scoping return with its chronology; on a SAR, its IMR with the IMR as a document.
_declare(SCOPING_RETURN)
_declare(IMR_RETURN)


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
