"""Signing in and out, and the start page."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..adapters.sessions import Session
from ..application.sign_in import Person
from . import web

router = APIRouter(tags=["sign-in"])


@router.get("/")
async def start(request: Request) -> Response:
    """The start page for a signed-in person; anyone else is sent to sign in."""
    session = await web.current_session(request)
    if session is None or not session.signed_in:
        return web.see_other("/sign-in")
    return web.page(request, "start.html", session)


@router.get("/sign-in")
async def sign_in(request: Request, next: str | None = None) -> Response:
    """The ways to sign in that this workspace offers."""
    ws = web.workspace(request)
    target = web.safe_next(next)
    if ws.local is not None:
        suffix = f"?next={quote(target, safe='')}" if target != "/" else ""
        return web.see_other(f"/sign-in/local{suffix}")
    return web.page(request, "sign_in_unavailable.html", None, status=503)


async def _anonymous_session(request: Request) -> tuple[Session, bool]:
    """The visitor's session, or a new anonymous one (it carries the form's CSRF token)."""
    ws = web.workspace(request)
    session = await web.current_session(request)
    if session is not None:
        return session, False
    return await ws.store.start(ws.now()), True


@router.get("/sign-in/local")
async def local_form(request: Request, next: str | None = None) -> Response:
    """The local sign-in form (the embedded default only)."""
    ws = web.workspace(request)
    if ws.local is None:
        return web.see_other("/sign-in")
    session, new = await _anonymous_session(request)
    response = web.page(request, "sign_in_local.html", session, next=web.safe_next(next), values={})
    if new:
        web.set_session_cookie(ws, response, session)
    return response


@router.post("/sign-in/local")
async def local_submit(request: Request) -> Response:
    """Sign in as the person, agency and roles given; a new session starts with their token."""
    ws = web.workspace(request)
    if ws.local is None:
        return web.see_other("/sign-in")
    form = web.form_lists(await request.form())
    session = await web.current_session(request)
    web.check_csrf(session, form)
    assert session is not None
    target = web.safe_next((form.get("next") or [""])[0])
    outcome = ws.local.sign_in((form.get("name") or [""])[0], (form.get("agency") or [""])[0],
                               form.get("role") or [])
    if not isinstance(outcome, Person):
        values = {"name": (form.get("name") or [""])[0], "agency": (form.get("agency") or [""])[0],
                  "role": form.get("role") or []}
        return web.page(request, "sign_in_local.html", session, errors=outcome, next=target, values=values)
    # A fresh session id on signing in: an id known before sign-in (session fixation) opens nothing.
    await ws.store.end(session.session_id)
    signed_in = await ws.store.start(ws.now(), lifetime=timedelta(hours=ws.settings.session_hours),
                                     name=outcome.name, agency=outcome.agency, roles=list(outcome.roles),
                                     token=outcome.token)
    response = web.see_other(target)
    web.set_session_cookie(ws, response, signed_in)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session: its token is forgotten here and the cookie removed."""
    ws = web.workspace(request)
    form = web.form_lists(await request.form())
    session = await web.current_session(request)
    if session is None:
        return web.see_other("/signed-out")
    web.check_csrf(session, form)
    await ws.store.end(session.session_id)
    response = web.see_other("/signed-out")
    web.clear_session_cookie(ws, response)
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    """Confirmation that the person has signed out."""
    return web.page(request, "signed_out.html", None)
