"""The panel's and the independent chair's pages (the pack, the meeting, the confidential drafts, the
chair's sign-offs), and the board's dashboard. Every read is the signed-in person's, through the
services' APIs; their refusal (a 403) is the "refused" page, by the app's exception handler."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..application import cases, dashboard, panel, sign_offs
from ..application.referral_form import FieldError
from ..application.steps import CSPR_DRAFT, Step
from . import web

router = APIRouter(tags=["panel, chair and board"])


@router.get("/panel")
async def panel_reviews(request: Request) -> Response:
    """The reviews a panel member or the chair may open, and what awaits the chair's sign-off."""
    session, token = await web.signed_in_person(request)
    found = await cases.find_cases(web.workspace(request).referrals, token)
    return web.page(request, "panel.html", session, found=found,
                    awaiting=sign_offs.awaiting_sign_off(found, frozenset(session.roles)))


@router.get("/cases/{case_id}/pack")
async def document_pack(request: Request, case_id: str) -> Response:
    """The rapid review's document pack: the referral, the local authority's notification, the returns."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    case = await cases.read_case(ws.referrals, token, case_id)
    pack = await panel.read_pack(ws.referrals, token, case_id)
    return web.page(request, "pack.html", session, case=case, pack=pack)


@router.get("/cases/{case_id}/meeting")
async def meeting(request: Request, case_id: str) -> Response:
    """The rapid review meeting: when and where it is booked, who was asked, who attends, how it went."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    case = await cases.read_case(ws.referrals, token, case_id)
    history = await panel.read_history(ws.referrals, token, case_id)
    return web.page(request, "meeting.html", session, case=case, meeting=panel.meeting_from(case, history))


@router.get("/cases/{case_id}/drafts")
async def drafts(request: Request, case_id: str) -> Response:
    """The CSPR's confidential drafts, newest first (the service refuses those not allowed them)."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    case = await cases.read_case(ws.referrals, token, case_id)
    found = await panel.read_drafts(ws.referrals, token, case_id)
    flash = session.flash
    if flash:
        await ws.store.set_flash(session.session_id, None)
    return web.page(request, "drafts.html", session, case=case, drafts=found, flash=flash,
                    may_add=bool(set(session.roles) & panel.DRAFT_WRITERS))


def _out_of_order(step: Step, exc: cases.OutOfOrder) -> FieldError:
    """The API's 409 (not now, and why) at the top of the form, linked to its first field."""
    first = step.fields[0]
    return FieldError(first.path, str(exc)[:1].upper() + str(exc)[1:], date=first.kind == "date")


async def _draft_form(request: Request, case_id: str, *, values: dict[str, list[str]] | None = None,
                      errors: list[FieldError] | None = None) -> Response:
    session, token = await web.signed_in_person(request)
    case = await cases.read_case(web.workspace(request).referrals, token, case_id)
    return web.page(request, "step.html", session, case=case, step=CSPR_DRAFT, fields=CSPR_DRAFT.fields,
                    values=values or {}, errors=errors, form_action=f"/cases/{case_id}/drafts")


@router.get("/cases/{case_id}/drafts/new")
async def new_draft(request: Request, case_id: str) -> Response:
    return await _draft_form(request, case_id)


@router.post("/cases/{case_id}/drafts")
async def add_draft(request: Request, case_id: str) -> Response:
    """Keep a new draft; back to the drafts, which list it first."""
    session = await web.signed_in(request)
    form = web.form_lists(await request.form())
    if session is None or session.token is None:
        return web.see_other(f"/sign-in?next=%2Fcases%2F{case_id}%2Fdrafts")
    web.check_csrf(session, form)
    ws = web.workspace(request)
    try:
        errors = await panel.add_draft(ws.referrals, session.token, case_id, form)
    except cases.OutOfOrder as exc:
        # Too soon (no terms of reference yet): the API's own reason, on the form as typed.
        errors = [_out_of_order(CSPR_DRAFT, exc)]
    if errors:
        return await _draft_form(request, case_id, values=form, errors=errors)
    await ws.store.set_flash(session.session_id, {"kind": "step", "message": CSPR_DRAFT.done})
    return web.see_other(f"/cases/{case_id}/drafts")


@router.get("/cases/{case_id}/drafts/{version}")
async def read_draft(request: Request, case_id: str, version: str) -> Response:
    """One draft, whole, under its marking (a version that is not a number is no draft: not found)."""
    session, token = await web.signed_in_person(request)
    if not version.isdigit():
        raise cases.NotFound()
    ws = web.workspace(request)
    case = await cases.read_case(ws.referrals, token, case_id)
    draft = await panel.read_draft(ws.referrals, token, case_id, int(version))
    return web.page(request, "draft.html", session, case=case, draft=draft)


@router.get("/dashboard")
async def board_dashboard(request: Request, year: str = "") -> Response:
    """The board's figures: headline, timeliness, overdue work, learning themes, the annual report's."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    assert ws.reporting is not None
    chosen = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
    figures = await dashboard.dashboard(ws.reporting, token, chosen)
    return web.page(request, "dashboard.html", session, d=figures, groups=dashboard.GROUPS,
                    years=dashboard.years_offered(ws.clock.today(), figures.year_first, figures.year_start_month),
                    today=ws.clock.today())
