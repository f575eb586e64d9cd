"""Referring an adult for a safeguarding adult review (SAR), putting right a returned referral and
sending it again, and an agency's own referrals with their status."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..adapters.sessions import Session
from ..application import cases
from ..application.adult_referral_form import ADULT_REFERRAL, WHY_RETURNED, field_to_put_right
from ..application.referral_form import FormData, answers, errors_from_api, form_to_referral
from . import web

router = APIRouter(tags=["adults"])
NEW = "/referrals/adult/new"


def _form(request: Request, session: Session, values: FormData, *, reasons: list[str] | None = None,
          case: dict[str, Any] | None = None, **context: Any) -> Response:
    put_right = [(reason, field_to_put_right(reason)) for reason in reasons or []]
    context.setdefault("reasons_known", True)
    return web.page(request, "adult_referral.html", session, fields=ADULT_REFERRAL, values=values,
                    reasons=put_right, returned_case=case, **context)


def _resubmission_of(form: FormData) -> str | None:
    value = (form.get("resubmission_of") or [""])[0]
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


async def _posted(request: Request) -> tuple[Session | None, dict[str, list[str]]]:
    session = await web.signed_in(request)
    form = web.form_lists(await request.form())
    if session is not None:
        web.check_csrf(session, form)
    return session, form


@router.get(NEW)
async def adult_referral_form(request: Request) -> Response:
    """The SAR referral form, with its authorisation."""
    session, _ = await web.signed_in_person(request)
    values = {"referring_agency": [session.agency or ""]} if session.agency != "partnership" else {}
    values["idempotency_key"] = [str(uuid.uuid4())]
    return _form(request, session, values)


@router.post("/referrals/adult/check")
async def check_adult_referral(request: Request) -> Response:
    """Check your answers before the referral (or the corrected one) is sent."""
    session, form = await _posted(request)
    if session is None:
        return web.see_other(f"/sign-in?next={NEW.replace('/', '%2F')}")
    referral, problems = form_to_referral(form, ADULT_REFERRAL)
    if problems:
        return _form(request, session, form, errors=errors_from_api([], problems, ADULT_REFERRAL))
    hidden = [(name, value) for name, values in form.items() if name != "csrf_token" for value in values]
    return web.page(request, "check_child_referral.html", session, rows=answers(referral, ADULT_REFERRAL),
                    hidden=hidden, change_action=NEW, send_action="/referrals/adult",
                    send_text="Send the corrected referral" if _resubmission_of(form) else "Send referral",
                    warning="Once sent, the partnership's business unit screens the referral.")


@router.post(NEW)
async def change_adult_referral(request: Request) -> Response:
    """Back to the form from checking the answers, as typed."""
    session, form = await _posted(request)
    if session is None:
        return web.see_other(f"/sign-in?next={NEW.replace('/', '%2F')}")
    return _form(request, session, form)


@router.post("/referrals/adult")
async def refer_adult(request: Request) -> Response:
    """Send the referral (or, with ``resubmission_of``, the corrected one). Returned for want of an
    authorisation, agencies or a summary, it comes back at once with the reasons and everything as
    typed, ready to put right: the answers stay in the page, never in the workspace's store."""
    session, form = await _posted(request)
    if session is None:
        return web.see_other(f"/sign-in?next={NEW.replace('/', '%2F')}")
    ws = web.workspace(request)
    assert session.token is not None
    resubmission_of = _resubmission_of(form)
    try:
        outcome = await cases.refer_adult(ws.referrals, session.token, form, resubmission_of=resubmission_of)
    except cases.OutOfOrder as exc:
        return web.refused(request, session, exc)
    if outcome.case is None:
        return _form(request, session, form, errors=outcome.errors)
    case = outcome.case
    if outcome.returned:
        values = {**form, "resubmission_of": [case["case_id"]]}
        return _form(request, session, values, reasons=list(case.get("reasons") or []), case=case)
    await ws.store.set_flash(session.session_id, {
        "kind": "duplicate" if outcome.duplicate else "referred", "case_ref": case["case_ref"],
        "message": case.get("message"), "resubmitted": bool(resubmission_of), "notices_owed": []})
    return web.see_other(f"/cases/{case['case_id']}")


@router.get("/referrals/adult/{case_id}/resubmission")
async def correct_returned_referral(request: Request, case_id: str) -> Response:
    """A returned referral, its reasons, and the form to send it again. The referring agency sees its
    referral's progress, not the details it sent, so the form starts empty but for the agency."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    case = await cases.read_case(ws.referrals, token, case_id)
    if case["pathway"] != "adult" or case["status"] != "returned":
        return web.see_other(f"/cases/{case_id}")
    history = list(cases.expect(await ws.referrals.history(token, case_id), 200))
    values = {"referring_agency": [case["referring_agency"]], "resubmission_of": [case_id]}
    reasons = cases.return_reasons(history)
    return _form(request, session, values, reasons=reasons or list(WHY_RETURNED), case=case,
                 reasons_known=bool(reasons))


@router.get("/referrals")
async def my_agency_referrals(request: Request) -> Response:
    """The referrals the person's agency made, newest first, each with where it stands."""
    session, token = await web.signed_in_person(request)
    found = await cases.find_cases(web.workspace(request).referrals, token)
    return web.page(request, "referrals.html", session, found=found)
