"""HTTP routes of the reporting service: figures (aggregate only) and the dashboard."""
from __future__ import annotations

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from safeguard_shared.auth import CurrentPrincipal, Principal, require_roles

from .. import projections

router = APIRouter(tags=["reporting"])
READ_ROLES = ("reporting_reader", "business_unit", "qa_lead", "independent_chair", "admin")
COOKIE = "safeguard_token"
_pages = Environment(loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape())


@router.get("/v1/reports/summary")
async def summary(request: Request, principal: CurrentPrincipal):
    """Open cases by pathway and stage, deadlines by status, notifications sent, audits: aggregate figures."""
    require_roles(principal, *READ_ROLES)
    async with request.app.state.runtime.sessions() as session:
        return await projections.summary(session)


def _cookie_principal(request: Request) -> Principal | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return request.app.state.verifier.verify(token)
    except Exception:
        return None


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request):
    """The dashboard: server-rendered, no JavaScript needed."""
    principal = _cookie_principal(request)
    if principal is None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            try:
                principal = request.app.state.verifier.verify(auth.split(" ", 1)[1].strip())
            except Exception:
                principal = None
    if principal is None or not (principal.has_any(READ_ROLES) or "admin" in principal.roles):
        return HTMLResponse(_pages.get_template("login.html").render(error=None), status_code=401)
    async with request.app.state.runtime.sessions() as session:
        figures = await projections.summary(session)
    return HTMLResponse(_pages.get_template("dashboard.html").render(figures=figures, principal=principal))


@router.post("/login", include_in_schema=False)
async def login(request: Request, token: str = Form(...)):
    """Local login for the embedded default: paste a token from ``safeguard token``; kept in an HttpOnly cookie."""
    try:
        principal = request.app.state.verifier.verify(token.strip())
    except Exception:
        return HTMLResponse(_pages.get_template("login.html").render(error="That token is not valid."),
                            status_code=status.HTTP_401_UNAUTHORIZED)
    if not principal.has_any(READ_ROLES):
        return HTMLResponse(_pages.get_template("login.html").render(
            error="That token's roles do not include reporting."), status_code=status.HTTP_403_FORBIDDEN)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
    return response


@router.post("/logout", include_in_schema=False)
async def logout():
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE)
    return response


