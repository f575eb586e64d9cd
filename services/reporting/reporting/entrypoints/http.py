"""HTTP routes of the reporting service: figures (aggregate only), exports and the dashboard.

Every figure is ``GET /v1/reports/<name>`` as JSON, and as CSV with ``?format=csv`` or
``/v1/reports/<name>.csv``; the annual report is also HTML and PDF. A bearer token or the
dashboard's sign-in cookie is accepted, so the dashboard's download links work in a browser.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from safeguard_shared.auth import Principal

from .. import charts, queries, reports
from ..pdf import annual_pdf

router = APIRouter(tags=["reporting"])
READ_ROLES = ("reporting_reader", "business_unit", "qa_lead", "independent_chair", "admin")
COOKIE = "safeguard_token"
REVIEW_NAMES = {"rapid_review": "Rapid reviews", "cspr": "Child safeguarding practice reviews",
                "sar": "Safeguarding adult reviews"}
_pages = Environment(loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape())


def _verify(request: Request, token: str | None) -> Principal | None:
    if not token:
        return None
    try:
        return request.app.state.verifier.verify(token.strip())
    except Exception:
        return None


def _principal(request: Request) -> Principal | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return _verify(request, token)
    return _verify(request, request.cookies.get(COOKIE))


def reader(request: Request) -> Principal:
    """The caller, by bearer token or sign-in cookie, holding a reporting role: else 401 or 403."""
    principal = _principal(request)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    if not principal.has_any(READ_ROLES):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs one of the roles: {', '.join(READ_ROLES)}")
    return principal


def _context(request: Request, year: int | None = None) -> reports.Context:
    runtime = request.app.state.runtime
    return reports.Context(today=runtime.clock.today(), year=year,
                           year_start_month=getattr(runtime.settings, "year_start_month", 4))


async def _snapshot(request: Request):
    async with request.app.state.runtime.sessions() as session:
        return await queries.snapshot(session)


async def _figure(request: Request, name: str, year: int | None = None) -> dict:
    return reports.compute(name, await _snapshot(request), _context(request, year))


def _csv(name: str, figure: dict) -> Response:
    return Response(reports.to_csv(name, figure), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _partnership(request: Request) -> str:
    return getattr(request.app.state.runtime.settings, "partnership_name", "Safeguarding partnership")


Year = Annotated[int | None, Query(ge=2000, le=2100, description="the reporting year's first calendar year")]
Format = Annotated[str, Query(pattern="^(json|csv)$", description="json (default) or csv")]


def _register(name: str) -> None:
    doc = reports.DESCRIPTIONS[name]

    async def as_json(request: Request, year: Year = None, format: Format = "json"):  # noqa: A002
        reader(request)
        figure = await _figure(request, name, year)
        return _csv(name, figure) if format == "csv" else JSONResponse(figure)

    async def as_csv(request: Request, year: Year = None):
        reader(request)
        return _csv(name, await _figure(request, name, year))

    as_json.__name__, as_csv.__name__ = f"{name.replace('-', '_')}", f"{name.replace('-', '_')}_csv"
    as_json.__doc__, as_csv.__doc__ = doc, f"{doc} As CSV."
    router.add_api_route(f"/v1/reports/{name}.csv", as_csv, methods=["GET"], response_class=Response)
    router.add_api_route(f"/v1/reports/{name}", as_json, methods=["GET"])


@router.get("/v1/reports/annual.html", response_class=HTMLResponse)
async def annual_html(request: Request, year: Year = None):
    """The annual report's data as a readable page."""
    reader(request)
    ctx = _context(request, year)
    figure = reports.compute("annual", await _snapshot(request), ctx)
    return HTMLResponse(_pages.get_template("annual.html").render(
        a=figure, partnership=_partnership(request), year_param=ctx.reporting_year.first.year))


@router.get("/v1/reports/annual.pdf", response_class=Response)
async def annual_as_pdf(request: Request, year: Year = None):
    """The annual report's data as a PDF."""
    reader(request)
    figure = await _figure(request, "annual", year)
    return Response(annual_pdf(figure, _partnership(request)), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="annual-report-{figure["year"]["label"]}.pdf"'})


for _name in reports.FIGURES:
    _register(_name)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request):
    """The dashboard: server-rendered, no JavaScript needed."""
    principal = _principal(request)
    if principal is None or not principal.has_any(READ_ROLES):
        return HTMLResponse(_pages.get_template("login.html").render(error=None, partnership=_partnership(request)),
                            status_code=401)
    snap = await _snapshot(request)
    ctx = _context(request)
    f = {name: reports.compute(name, snap, ctx) for name in
         ("cases", "timeliness", "overdue", "scoping-returns", "reviews", "action-plans", "audits",
          "learning-themes", "training")}
    return HTMLResponse(_pages.get_template("dashboard.html").render(
        partnership=_partnership(request), today=ctx.today.isoformat(), year=ctx.reporting_year.as_dict(),
        cases=f["cases"], timeliness=f["timeliness"], overdue=f["overdue"], scoping=f["scoping-returns"],
        reviews=f["reviews"], action_plans=f["action-plans"], audits=f["audits"], themes=f["learning-themes"],
        training=f["training"], review_names=REVIEW_NAMES,
        timeliness_chart=charts.timeliness_chart(f["timeliness"]), overdue_chart=charts.overdue_chart(f["overdue"]),
        overdue_step_chart=charts.overdue_step_chart(f["overdue"])))


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(request: Request):
    """The sign-in page itself (what a bookmark or a browser's back button lands on)."""
    return HTMLResponse(_pages.get_template("login.html").render(error=None, partnership=_partnership(request)))


@router.post("/login", include_in_schema=False)
async def login(request: Request, token: str = Form(...)):
    """Local login for the embedded default: paste a token from ``safeguard token``; kept in an HttpOnly cookie."""
    principal = _verify(request, token)
    page = _pages.get_template("login.html")
    if principal is None:
        return HTMLResponse(page.render(error="That token is not valid.", partnership=_partnership(request)),
                            status_code=status.HTTP_401_UNAUTHORIZED)
    if not principal.has_any(READ_ROLES):
        return HTMLResponse(page.render(error="That token's roles do not include reporting.",
                                        partnership=_partnership(request)), status_code=status.HTTP_403_FORBIDDEN)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
    return response


@router.post("/logout", include_in_schema=False)
async def logout():
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE)
    return response
