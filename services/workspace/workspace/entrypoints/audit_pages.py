"""Multi-agency case file audits and action plans: the QA sub-group plans an audit, draws its four
cases and sends the audit tool; an agency answers it; the owning agency updates its actions.

Every page is built from the audits service's API with the signed-in person's token; that service
decides what each person may see (its 403 gets the "refused" page, its 404 "not found")."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..adapters.audits_api import AuditsApi
from ..adapters.sessions import Session
from ..application import action_plans, cases
from ..application import audits as audit_forms
from ..application.referral_form import FieldError
from . import web

router = APIRouter(tags=["audits and action plans"])


def _api(request: Request) -> AuditsApi:
    api = web.workspace(request).audits
    assert api is not None
    return api


async def _flash(request: Request, session: Session) -> dict[str, Any] | None:
    """The confirmation of what was just done, shown once."""
    flash = session.flash
    if flash:
        await web.workspace(request).store.set_flash(session.session_id, None)
    return flash


async def _done(request: Request, session: Session, message: str, url: str) -> Response:
    await web.workspace(request).store.set_flash(session.session_id, {"kind": "step", "message": message})
    return web.see_other(url)


async def _posted(request: Request) -> tuple[Session, str, dict[str, list[str]]]:
    """The session, its token and the form's fields, once the CSRF token is checked."""
    session = await web.signed_in(request)
    form = web.form_lists(await request.form())
    if session is None or session.token is None:
        raise web.SignInFirst()
    web.check_csrf(session, form)
    return session, session.token, form


# --- the QA sub-group: audits ---------------------------------------------------------------------
@router.get("/audits")
async def audit_list(request: Request) -> Response:
    """The audits, by the QA sub-group meeting each reports to."""
    session, token = await web.signed_in_person(request)
    audits = cases.expect(await _api(request).audits(token), 200)
    return web.page(request, "audits.html", session, audits=audits, flash=await _flash(request, session),
                    AUDIT_STATUS=audit_forms.AUDIT_STATUS)


def _plan_page(request: Request, session: Session, *, values: dict[str, list[str]] | None = None,
               errors: list[FieldError] | None = None, status: int = 200) -> Response:
    return web.page(request, "plan_audit.html", session, fields=audit_forms.PLAN_AUDIT, values=values or {},
                    errors=errors, status=status, rows=range(audit_forms.QUESTION_ROWS),
                    question_kinds=audit_forms.QUESTION_KINDS)


@router.get("/audits/new")
async def plan_audit_form(request: Request) -> Response:
    """Plan a multi-agency case file audit (and, if agreed already, its scope and audit tool)."""
    session, _ = await web.signed_in_person(request)
    return _plan_page(request, session)


@router.post("/audits")
async def plan_audit(request: Request) -> Response:
    """``POST /v1/audits``; planned → the audit's page; 422 → the form as typed, errors on their fields."""
    session, token, form = await _posted(request)
    audit, errors = await audit_forms.plan_audit(_api(request), token, form)
    if errors or audit is None:
        return _plan_page(request, session, values=form, errors=errors, status=422)
    return await _done(request, session, "Audit planned", f"/audits/{audit['audit_id']}")


async def _audit_page(request: Request, audit_id: str, *, values: dict[str, list[str]] | None = None,
                      errors: list[FieldError] | None = None, status: int = 200) -> Response:
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    audit, returns, actions = await audit_forms.audit_overview(_api(request), token, audit_id)
    return web.page(request, "audit.html", session, audit=audit, returns=returns,
                    actions=action_plans.overdue_first(actions, ws.clock.today()), values=values or {},
                    errors=errors, status=status, flash=None if errors else await _flash(request, session),
                    sample_fields=audit_forms.SAMPLE, tool_fields=audit_forms.tool_fields(audit.get("sample")),
                    action_fields=audit_forms.AUDIT_ACTION, AUDIT_STATUS=audit_forms.AUDIT_STATUS,
                    RESPONSE_STATUS=audit_forms.RESPONSE_STATUS, ACTION_STATUS=action_plans.ACTION_STATUS,
                    today=ws.clock.today(), is_overdue=action_plans.is_overdue)


@router.get("/audits/{audit_id}")
async def audit_page(request: Request, audit_id: str) -> Response:
    """The audit: its scope and tool, the four cases drawn, the responses owed and outstanding, its actions;
    with the form for its next step (draw the cases, send the tool) and for adding an action."""
    return await _audit_page(request, audit_id)


@router.post("/audits/{audit_id}/sample")
async def draw_sample(request: Request, audit_id: str) -> Response:
    """``POST /v1/audits/{id}/sample`` from the population typed in, one reference a line."""
    session, token, form = await _posted(request)
    errors = await audit_forms.draw_sample(_api(request), token, audit_id, form)
    if errors:
        return await _audit_page(request, audit_id, values=form, errors=errors, status=422)
    return await _done(request, session, "Four cases drawn at random", f"/audits/{audit_id}")


@router.post("/audits/{audit_id}/tool")
async def send_tool(request: Request, audit_id: str) -> Response:
    """``POST /v1/audits/{id}/tool`` with the agencies ticked for each sampled case."""
    session, token, form = await _posted(request)
    api = _api(request)
    audit = cases.expect(await api.audit(token, audit_id), 200)
    errors = await audit_forms.send_tool(api, token, audit_id, audit.get("sample"), form)
    if errors:
        return await _audit_page(request, audit_id, values=form, errors=errors, status=422)
    return await _done(request, session, "Audit tool sent to the agencies", f"/audits/{audit_id}")


@router.post("/audits/{audit_id}/actions")
async def add_action(request: Request, audit_id: str) -> Response:
    """``POST /v1/audits/{id}/actions``: what, which agency owns it, by when."""
    session, token, form = await _posted(request)
    errors = await audit_forms.add_action(_api(request), token, audit_id, form)
    if errors:
        return await _audit_page(request, audit_id, values=form, errors=errors, status=422)
    return await _done(request, session, "Action added", f"/audits/{audit_id}")


# --- an agency: its response to the audit tool -------------------------------------------------------
async def _response_page(request: Request, audit_id: str, response_id: str, *,
                         values: dict[str, list[str]] | None = None, errors: list[FieldError] | None = None,
                         status: int = 200) -> Response:
    session, token = await web.signed_in_person(request)
    response = dict(cases.expect(await _api(request).response(token, audit_id, response_id), 200))
    return web.page(request, "audit_response.html", session, response=response,
                    fields=audit_forms.response_fields(response["questions"]),
                    values=values if values is not None else audit_forms.response_values(response),
                    errors=errors, status=status, rules=audit_forms.RESPONSE_RULES,
                    flash=None if errors else await _flash(request, session),
                    RESPONSE_STATUS=audit_forms.RESPONSE_STATUS)


@router.get("/audits/{audit_id}/responses/{response_id}")
async def response_form(request: Request, audit_id: str, response_id: str) -> Response:
    """The agency's response to the audit tool for one sampled case: the rules first, then the questions."""
    return await _response_page(request, audit_id, response_id)


@router.post("/audits/{audit_id}/responses/{response_id}")
async def send_response(request: Request, audit_id: str, response_id: str) -> Response:
    """Save the draft (``PUT``) or submit (``POST …/submit``) as typed; a broken rule → the form as typed
    with the service's messages in the error summary, each linked to its question."""
    session, token, form = await _posted(request)
    api = _api(request)
    response = dict(cases.expect(await api.response(token, audit_id, response_id), 200))
    submit = (form.get("intent") or ["submit"])[0] != "draft"
    errors = await audit_forms.send_response(api, token, response, form, submit=submit)
    if errors:
        return await _response_page(request, audit_id, response_id, values=form, errors=errors, status=422)
    return await _done(request, session, "Response submitted" if submit else "Draft saved",
                       f"/audits/{audit_id}/responses/{response_id}")


# --- action plans -----------------------------------------------------------------------------------
@router.get("/actions")
async def action_list(request: Request) -> Response:
    """The actions the person may see (the QA sub-group every one, an agency its own): overdue first."""
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    actions = await action_plans.action_list(_api(request), token, ws.clock.today())
    return web.page(request, "actions.html", session, actions=actions, today=ws.clock.today(),
                    ACTION_STATUS=action_plans.ACTION_STATUS, SOURCE_NAMES=action_plans.SOURCE_NAMES,
                    is_overdue=action_plans.is_overdue)


async def _action_page(request: Request, action_id: str, *, values: dict[str, list[str]] | None = None,
                       errors: list[FieldError] | None = None, status: int = 200) -> Response:
    session, token = await web.signed_in_person(request)
    ws = web.workspace(request)
    action = await action_plans.one_action(_api(request), token, action_id)
    return web.page(request, "action.html", session, action=action, values=values or {}, errors=errors,
                    status=status, flash=None if errors else await _flash(request, session),
                    progress_fields=action_plans.PROGRESS, completion_fields=action_plans.COMPLETION,
                    ACTION_STATUS=action_plans.ACTION_STATUS, SOURCE_NAMES=action_plans.SOURCE_NAMES,
                    overdue=action_plans.is_overdue(action, ws.clock.today()))


@router.get("/actions/{action_id}")
async def action_page(request: Request, action_id: str) -> Response:
    """One action: what, whose, by when, its progress so far; the forms to add progress or complete it."""
    return await _action_page(request, action_id)


@router.post("/actions/{action_id}/progress")
async def record_progress(request: Request, action_id: str) -> Response:
    session, token, form = await _posted(request)
    errors = await action_plans.update(_api(request), token, action_id, form, complete=False)
    if errors:
        return await _action_page(request, action_id, values=form, errors=errors, status=422)
    return await _done(request, session, "Progress recorded", f"/actions/{action_id}")


@router.post("/actions/{action_id}/complete")
async def complete_action(request: Request, action_id: str) -> Response:
    session, token, form = await _posted(request)
    errors = await action_plans.update(_api(request), token, action_id, form, complete=True)
    if errors:
        return await _action_page(request, action_id, values=form, errors=errors, status=422)
    return await _done(request, session, "Action completed", f"/actions/{action_id}")
