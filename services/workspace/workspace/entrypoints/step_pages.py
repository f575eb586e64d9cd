"""The business unit's worklist, and the forms for each step of both pathways."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..application import cases, worklist
from ..application.referral_form import FieldError
from ..application.steps import STEPS
from . import web

router = APIRouter(tags=["business unit"])


@router.get("/worklist")
async def business_unit_worklist(request: Request) -> Response:
    """Every case with what is due next on it: overdue first, then soonest."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    assert ws.scheduling is not None
    items = await worklist.worklist(ws.referrals, ws.scheduling, token, ws.clock.today())
    return web.page(request, "worklist.html", session, items=items, today=ws.clock.today())


async def _step_page(request: Request, case_id: str, slug: str, *, values: dict[str, list[str]] | None = None,
                     errors: list[FieldError] | None = None, status: int = 200) -> Response:
    session, token = await web.signed_in_person(request)
    step = STEPS.get(slug)
    if step is None:
        raise cases.NotFound()
    case = await cases.read_case(web.workspace(request).referrals, token, case_id)
    return web.page(request, "step.html", session, case=case, step=step, fields=step.fields,
                    values=values or {}, errors=errors, status=status)


@router.get("/cases/{case_id}/steps/{slug}")
async def step_form(request: Request, case_id: str, slug: str) -> Response:
    """One step's form, for the case it is taken on."""
    return await _step_page(request, case_id, slug)


@router.post("/cases/{case_id}/steps/{slug}")
async def take_step(request: Request, case_id: str, slug: str) -> Response:
    """Send the step to the referrals service; on success back to the case, which shows it done."""
    session = await web.signed_in(request)
    form = web.form_lists(await request.form())
    if session is None:
        return web.see_other(f"/sign-in?next=%2Fcases%2F{case_id}")
    web.check_csrf(session, form)
    step = STEPS.get(slug)
    if step is None:
        raise cases.NotFound()
    ws = web.workspace(request)
    assert session.token is not None
    try:
        errors = await cases.take_step(ws.referrals, session.token, case_id, step, form)
    except cases.OutOfOrder as exc:
        # The API's own reason this step cannot be taken now, at the top of the form as typed.
        # A step with nothing to fill in (a SAR's delay ended) has its error on its button.
        first = step.fields[0] if step.fields else None
        errors = [FieldError(first.path if first else "step-button", str(exc)[:1].upper() + str(exc)[1:],
                             date=first is not None and first.kind == "date")]
    if errors:
        return await _step_page(request, case_id, slug, values=form, errors=errors)
    await ws.store.set_flash(session.session_id, {"kind": "step", "message": step.done})
    return web.see_other(f"/cases/{case_id}")
