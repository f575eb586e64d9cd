"""Referring a child, a case's page, and finding a case by its reference."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..application import agency_work, case_overview, cases
from ..application.referral_form import CHILD_REFERRAL, answers, errors_from_api, form_to_referral
from . import web

router = APIRouter(tags=["cases"])


@router.get("/referrals/child/new")
async def child_referral_form(request: Request) -> Response:
    """The child serious incident referral form."""
    session = await web.signed_in(request)
    if session is None:
        return web.to_sign_in(request)
    values = {"referring_agency": [session.agency]} if session.agency != "partnership" else {}
    # One key per form: the same form sent twice (a double click, a page sent again) is one referral.
    values["idempotency_key"] = [str(uuid.uuid4())]
    return web.page(request, "child_referral.html", session, fields=CHILD_REFERRAL, values=values)


@router.post("/referrals/child/check")
async def check_child_referral(request: Request) -> Response:
    """Check your answers: a referral cannot be taken back (the national Panel is told), so the
    person sees what they are about to send, and sends it from here."""
    session = await web.signed_in(request)
    form = web.form_lists(await request.form())
    if session is None:
        return web.see_other("/sign-in?next=%2Freferrals%2Fchild%2Fnew")
    web.check_csrf(session, form)
    referral, problems = form_to_referral(form)
    if problems:
        return web.page(request, "child_referral.html", session, fields=CHILD_REFERRAL, values=form,
                        errors=errors_from_api([], problems))
    hidden = [(name, value) for name, values in form.items() if name != "csrf_token" for value in values]
    return web.page(request, "check_child_referral.html", session, rows=answers(referral), hidden=hidden)


@router.post("/referrals/child/new")
async def change_child_referral(request: Request) -> Response:
    """Back to the form from checking the answers, with everything as it was typed."""
    session = await web.signed_in(request)
    form = web.form_lists(await request.form())
    if session is None:
        return web.see_other("/sign-in?next=%2Freferrals%2Fchild%2Fnew")
    web.check_csrf(session, form)
    return web.page(request, "child_referral.html", session, fields=CHILD_REFERRAL, values=form)


@router.post("/referrals/child")
async def refer_child(request: Request) -> Response:
    """Send the referral to the referrals service; on success, go to the new case's page."""
    session = await web.signed_in(request)
    form = web.form_lists(await request.form())
    if session is None:
        # Signed out while filling it in (nothing was sent): back to the form once signed in.
        return web.see_other("/sign-in?next=%2Freferrals%2Fchild%2Fnew")
    web.check_csrf(session, form)
    ws = web.workspace(request)
    assert session.token is not None
    try:
        outcome = await cases.refer_child(ws.referrals, session.token, form)
    except cases.SignInAgain:
        return await web.sign_in_again(request, session)
    except cases.NotPermitted as exc:
        return web.refused(request, session, exc)
    if outcome.case is None:
        return web.page(request, "child_referral.html", session, fields=CHILD_REFERRAL, values=form,
                        errors=outcome.errors)
    case = outcome.case
    if outcome.duplicate:
        await ws.store.set_flash(session.session_id, {"kind": "duplicate", "case_ref": case["case_ref"],
                                                      "message": case.get("message")})
        return web.see_other(f"/cases/{case['case_id']}")
    await ws.store.set_flash(session.session_id, {"kind": "referred", "case_ref": case["case_ref"],
                                                  "status": case.get("status"),
                                                  "notices_owed": case.get("notices_owed") or []})
    return web.see_other(f"/cases/{case['case_id']}")


@router.get("/cases")
async def find_cases(request: Request, q: str = "") -> Response:
    """Find a case by its reference (or part of it)."""
    session = await web.signed_in(request)
    if session is None:
        return web.to_sign_in(request)
    ws = web.workspace(request)
    q = q.strip()
    found = None
    if q:
        assert session.token is not None
        try:
            found = await cases.find_cases(ws.referrals, session.token, q)
            if not found and session.agency not in (None, "partnership") and ws.scheduling is not None:
                # Not the agency's own referral: one it has work on (an e-mail's link lands here).
                found = await agency_work.cases_with_work(ws.referrals, ws.scheduling, session.token,
                                                          session.agency or "", ws.clock.today(), q)
        except cases.SignInAgain:
            return await web.sign_in_again(request, session)
        except cases.NotPermitted as exc:
            return web.refused(request, session, exc)
    return web.page(request, "cases.html", session, q=q, found=found)


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str) -> Response:
    """One case: its reference, where it stands, its dates, and the notices it owes."""
    session = await web.signed_in(request)
    if session is None:
        return web.to_sign_in(request)
    ws = web.workspace(request)
    assert session.token is not None
    try:
        case = await cases.read_case(ws.referrals, session.token, case_id)
    except cases.SignInAgain:
        return await web.sign_in_again(request, session)
    except cases.NotPermitted as exc:
        return web.refused(request, session, exc)
    except cases.NotFound:
        return web.page(request, "not_found.html", session, status=404)
    flash = session.flash
    if flash:
        await ws.store.set_flash(session.session_id, None)
    overview = await case_overview.overview(ws.referrals, ws.scheduling, session.token, case,
                                            roles=frozenset(session.roles), today=ws.clock.today(),
                                            agency=session.agency or "")
    return web.page(request, "case.html", session, case=case, flash=flash, overview=overview)
