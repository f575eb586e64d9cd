"""Signing in and out, and the start page."""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from urllib.parse import quote

import httpx
from authlib.integrations.base_client.errors import OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import Response

from safeguard_shared import logging as slog

from ..adapters.oidc import SignInFailed
from ..adapters.sessions import Session
from ..application.sign_in import Person, person_from_claims
from . import web

log = slog.get("workspace")

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
    suffix = f"?next={quote(target, safe='')}" if target != "/" else ""
    if ws.oidc is not None and ws.local is not None:
        return web.page(request, "sign_in_choice.html", None, suffix=suffix)
    if ws.oidc is not None:
        return web.see_other(f"/sign-in/oidc{suffix}")
    if ws.local is not None:
        return web.see_other(f"/sign-in/local{suffix}")
    return web.page(request, "sign_in_unavailable.html", None, status=503)


@router.get("/sign-in/oidc")
async def oidc_start(request: Request, next: str | None = None) -> Response:
    """Off to the partnership's identity provider (authorisation code with PKCE)."""
    ws = web.workspace(request)
    if ws.oidc is None:
        return web.see_other("/sign-in")
    session, new = await _anonymous_session(request)
    pending = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
               "code_verifier": secrets.token_urlsafe(64), "next": web.safe_next(next)}
    await ws.store.set_pending(session.session_id, pending)
    try:
        url = await ws.oidc.authorization_url(state=pending["state"], nonce=pending["nonce"],
                                              code_verifier=pending["code_verifier"])
    except (httpx.HTTPError, SignInFailed, KeyError) as exc:
        log.warning("identity provider unavailable", extra={"error_type": type(exc).__name__})
        return web.page(request, "sign_in_failed.html", None, status=502,
                        reason="The sign-in service did not answer. Try again in a few minutes.")
    response = web.see_other(url)
    if new:
        web.set_session_cookie(ws, response, session)
    return response


@router.get("/sign-in/oidc/callback")
async def oidc_callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    """Back from the identity provider: the code for tokens, the ID token checked, a new session."""
    ws = web.workspace(request)
    if ws.oidc is None:
        return web.see_other("/sign-in")
    session = await web.current_session(request)
    pending = session.pending if session else None
    if session is None or not pending or not state or not hmac.compare_digest(state, str(pending.get("state"))):
        # Not the sign-in this browser started (or it took too long): start again, nothing is kept.
        return web.page(request, "sign_in_failed.html", None, status=400,
                        reason="The sign-in took too long or was not started here. Sign in again.")
    await ws.store.set_pending(session.session_id, None)  # a state is used once
    if error or not code:
        return web.page(request, "sign_in_failed.html", None, status=400,
                        reason="The sign-in was cancelled or refused by your organisation's sign-in service.")
    try:
        token = await ws.oidc.exchange(code=code, code_verifier=pending["code_verifier"])
        claims = await ws.oidc.id_token_claims(token["id_token"], nonce=pending["nonce"])
    except (httpx.HTTPError, SignInFailed, OAuthError) as exc:
        log.warning("sign-in refused", extra={"error_type": type(exc).__name__})
        return web.page(request, "sign_in_failed.html", None, status=400,
                        reason="Your organisation's sign-in service did not confirm who you are. Sign in again.")
    s = ws.settings
    person = person_from_claims(claims, token["access_token"], name_claim=s.oidc_name_claim,
                                agency_claim=s.oidc_agency_claim, roles_claim=s.oidc_roles_claim)
    if not isinstance(person, Person):
        return web.page(request, "sign_in_failed.html", None, status=403, reason=person)
    await ws.store.end(session.session_id)
    lifetime = timedelta(hours=ws.settings.session_hours)
    if token.get("expires_at"):
        # Never longer than the token the services will accept.
        lifetime = min(lifetime, timedelta(seconds=max(0, int(token["expires_at"]) - int(ws.now().timestamp()))))
    signed_in = await ws.store.start(ws.now(), lifetime=lifetime, name=person.name, agency=person.agency,
                                     roles=list(person.roles), token=person.token)
    response = web.see_other(str(pending.get("next") or "/"))
    web.set_session_cookie(ws, response, signed_in)
    return response


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
