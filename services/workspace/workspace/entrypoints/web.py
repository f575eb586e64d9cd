"""What every page shares: the templates, the session cookie, the CSRF check, the signed-in person."""
from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

from safeguard_shared.clock import Clock

from ..adapters.audits_api import AuditsApi
from ..adapters.oidc import OidcProvider
from ..adapters.referrals_api import ReferralsApi
from ..adapters.reporting_api import ReportingApi
from ..adapters.scheduling_api import SchedulingApi
from ..adapters.sessions import Session, SessionStore
from ..application import dashboard, words
from ..application.panel import PANEL_ROLES
from ..application.referral_form import FieldError
from ..application.sign_in import LocalSignIn
from ..application.words import DOCUMENT_KINDS
from ..config import WorkspaceSettings

SERVICE_NAME = "Safeguarding learning reviews"
TEMPLATES = Path(__file__).parent / "templates"


def make_templates() -> Environment:
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(TEMPLATES),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["date_in_words"] = words.date_in_words
    env.filters["agency_name"] = words.agency_name
    env.filters["share"] = dashboard.share
    env.filters["days"] = dashboard.days
    env.filters["report_words"] = lambda code: words.code_in_words(str(code), dashboard.REPORT_WORDS)
    env.filters["code_words"] = lambda code: words.code_in_words(str(code), words.CODE_NAMES)
    env.globals.update(service_name=SERVICE_NAME, AGENCY_NAMES=words.AGENCY_NAMES, ROLE_NAMES=words.ROLE_NAMES,
                       STATUS_NAMES=words.STATUS_NAMES, PATHWAY_NAMES=words.PATHWAY_NAMES,
                       NOTICE_NAMES=words.NOTICE_NAMES, in_words=words.code_in_words,
                       DOCUMENT_KINDS=DOCUMENT_KINDS,
                       panel_reader=lambda roles: bool(set(roles) & PANEL_ROLES),
                       dashboard_reader=lambda roles: bool(set(roles) & dashboard.DASHBOARD_READERS),
                       iso_words=lambda v: words.iso_dates_in_words(words.code_in_words(v, words.CODE_NAMES),
                                                                    weekday=True),
                       error_list=lambda errors: [{"text": e.message, "href": f"#{e.anchor}"} for e in errors])
    return env


@dataclass
class Workspace:
    """The app's collaborators, made once by bootstrap()."""

    settings: WorkspaceSettings
    store: SessionStore
    referrals: ReferralsApi
    local: LocalSignIn | None
    templates: Environment
    clock: Clock
    oidc: OidcProvider | None = None
    scheduling: SchedulingApi | None = None
    audits: AuditsApi | None = None
    reporting: ReportingApi | None = None

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def cookie_name(self) -> str:
        # __Host- pins the cookie to this host and path, and only over HTTPS.
        return "__Host-workspace_session" if self.settings.cookies_secure else "workspace_session"


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


async def current_session(request: Request) -> Session | None:
    ws = workspace(request)
    now = ws.now()
    return await ws.store.get(request.cookies.get(ws.cookie_name), now)


def set_session_cookie(ws: Workspace, response: Response, session: Session) -> None:
    max_age = max(0, int((session.expires_at - ws.now()).total_seconds()))
    response.set_cookie(ws.cookie_name, session.session_id, max_age=max_age, path="/", httponly=True,
                        samesite="lax", secure=ws.settings.cookies_secure)


def clear_session_cookie(ws: Workspace, response: Response) -> None:
    response.delete_cookie(ws.cookie_name, path="/", httponly=True, samesite="lax",
                           secure=ws.settings.cookies_secure)


def form_lists(form: Any) -> dict[str, list[str]]:
    """Starlette's form data as name → every value given (repeated fields stay lists)."""
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def check_csrf(session: Session | None, form: Mapping[str, list[str]]) -> None:
    given = (form.get("csrf_token") or [""])[0]
    if session is None or not given or not hmac.compare_digest(given, session.csrf_token):
        raise HTTPException(400, "csrf")


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"/sign-in?next={quote(target, safe='')}")


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another site (an open redirect), never a scheme."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def page(request: Request, template: str, session: Session | None, *, status: int = 200,
         errors: list[FieldError] | None = None, **context: Any) -> HTMLResponse:
    ws = workspace(request)
    html = ws.templates.get_template(template).render(
        request_path=request.url.path, session=session, errors=errors or [],
        error_for={e.path: e.message for e in (errors or [])},
        csrf_token=session.csrf_token if session else "", **context)
    return HTMLResponse(html, status_code=status, headers={
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })


async def signed_in(request: Request) -> Session | None:
    session = await current_session(request)
    return session if session is not None and session.signed_in else None


def refused(request: Request, session: Session, exc: Exception) -> Response:
    return page(request, "refused.html", session, status=403, reason=str(exc))


async def sign_in_again(request: Request, session: Session) -> Response:
    ws = workspace(request)
    await ws.store.end(session.session_id)
    response = to_sign_in(request)
    clear_session_cookie(ws, response)
    return response


class SignInFirst(Exception):
    """The page needs a signed-in person: the app sends the visitor to sign in, and back here after."""


async def signed_in_person(request: Request) -> tuple[Session, str]:
    """The signed-in person's session and bearer token, or ``SignInFirst``."""
    session = await signed_in(request)
    if session is None or session.token is None:
        raise SignInFirst()
    return session, session.token
