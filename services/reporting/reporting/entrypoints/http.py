"""HTTP routes of the reporting service: figures (aggregate only), exports and the dashboard.

Every figure is ``GET /v1/reports/<name>`` as JSON, and as CSV with ``?format=csv`` or
``/v1/reports/<name>.csv``; the annual report is also HTML and PDF. Routes parse, authorise, read
the figures (application/queries.py) and render them; the figures themselves are the domain's.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from safeguard_shared.service import ServiceRuntime

from ..adapters import charts, pages
from ..adapters.csv_export import to_csv
from ..application import queries
from ..domain.figures import DESCRIPTIONS, FIGURES, Context
from ..domain.snapshot import Figure
from .access import COOKIE, may_read, principal_of, reader, verify
from .schemas import MODELS

router = APIRouter(tags=["reporting"])
REVIEW_NAMES = {"rapid_review": "Rapid reviews", "cspr": "Child safeguarding practice reviews",
                "sar": "Safeguarding adult reviews"}
DASHBOARD = ("cases", "timeliness", "overdue", "scoping-returns", "reviews", "action-plans", "audits",
             "learning-themes", "training")


class CSVResponse(Response):
    media_type = "text/csv"  # Starlette adds "; charset=utf-8"


class PDFResponse(Response):
    media_type = "application/pdf"


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _context(request: Request, year: int | None = None) -> Context:
    runtime = _runtime(request)
    return Context(today=runtime.clock.today(), year=year,
                   year_start_month=getattr(runtime.settings, "year_start_month", 4))


def _partnership(request: Request) -> str:
    return str(getattr(_runtime(request).settings, "partnership_name", "Safeguarding partnership"))


async def _figure(request: Request, name: str, ctx: Context) -> Figure:
    return await queries.figure(_runtime(request).unit_of_work(), name, ctx)


def _csv(name: str, figure: Figure) -> CSVResponse:
    return CSVResponse(to_csv(name, figure), headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


Year = Annotated[int | None, Query(ge=2000, le=2100, description="the reporting year's first calendar year")]
Format = Annotated[str, Query(pattern="^(json|csv)$", description="json (default) or csv")]
_CSV_TOO: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                  "description": "The figure (JSON), or as CSV with ?format=csv."}}


def _register(name: str) -> None:
    doc = DESCRIPTIONS[name]

    async def as_json(request: Request, year: Year = None, format: Format = "json") -> Any:  # noqa: A002
        reader(request)
        figure = await _figure(request, name, _context(request, year))
        return _csv(name, figure) if format == "csv" else figure

    async def as_csv(request: Request, year: Year = None) -> CSVResponse:
        reader(request)
        return _csv(name, await _figure(request, name, _context(request, year)))

    as_json.__name__, as_csv.__name__ = f"{name.replace('-', '_')}", f"{name.replace('-', '_')}_csv"
    as_json.__doc__, as_csv.__doc__ = doc, f"{doc} As CSV."
    router.add_api_route(f"/v1/reports/{name}.csv", as_csv, methods=["GET"], response_class=CSVResponse)
    router.add_api_route(f"/v1/reports/{name}", as_json, methods=["GET"], response_model=MODELS[name],
                         responses=_CSV_TOO)


@router.get("/v1/reports/annual.html", response_class=HTMLResponse)
async def annual_html(request: Request, year: Year = None) -> HTMLResponse:
    """The annual report's data as a readable page."""
    reader(request)
    ctx = _context(request, year)
    figure = await _figure(request, "annual", ctx)
    return HTMLResponse(pages.render("annual.html", a=figure, partnership=_partnership(request),
                                     year_param=ctx.reporting_year.first.year))


@router.get("/v1/reports/annual.pdf", response_class=PDFResponse)
async def annual_as_pdf(request: Request, year: Year = None) -> PDFResponse:
    """The annual report's data as a PDF."""
    reader(request)
    figure = await _figure(request, "annual", _context(request, year))
    filename = f"annual-report-{figure['year']['label']}.pdf"
    # fpdf2 (and Pillow, fontTools) is loaded the first time a PDF is asked for, not at start: it is
    # the largest import of the service and most instances never render one.
    from ..adapters.pdf import annual_pdf

    return PDFResponse(annual_pdf(figure, _partnership(request)),
                       headers={"Content-Disposition": f'inline; filename="{filename}"'})


for _name in FIGURES:
    _register(_name)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request) -> HTMLResponse:
    """The dashboard: server-rendered, no JavaScript needed."""
    if not may_read(principal_of(request)):
        return HTMLResponse(pages.render("login.html", error=None, partnership=_partnership(request)),
                            status_code=status.HTTP_401_UNAUTHORIZED)
    ctx = _context(request)
    f = await queries.figures(_runtime(request).unit_of_work(), DASHBOARD, ctx)
    return HTMLResponse(pages.render(
        "dashboard.html",
        partnership=_partnership(request), today=ctx.today.isoformat(), year=ctx.reporting_year.as_dict(),
        cases=f["cases"], timeliness=f["timeliness"], overdue=f["overdue"], scoping=f["scoping-returns"],
        reviews=f["reviews"], action_plans=f["action-plans"], audits=f["audits"], themes=f["learning-themes"],
        training=f["training"], review_names=REVIEW_NAMES,
        timeliness_chart=charts.timeliness_chart(f["timeliness"]), overdue_chart=charts.overdue_chart(f["overdue"]),
        overdue_step_chart=charts.overdue_step_chart(f["overdue"])))


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(request: Request) -> HTMLResponse:
    """The sign-in page itself (what a bookmark or a browser's back button lands on)."""
    return HTMLResponse(pages.render("login.html", error=None, partnership=_partnership(request)))


@router.post("/login", include_in_schema=False, response_model=None)
async def login(request: Request, token: Annotated[str, Form()]) -> Response:
    """Local login for the embedded default: paste a token from ``safeguard token``; kept in an HttpOnly cookie."""
    principal = verify(request, token)
    if principal is None:
        return HTMLResponse(pages.render("login.html", error="That token is not valid.",
                                         partnership=_partnership(request)),
                            status_code=status.HTTP_401_UNAUTHORIZED)
    if not may_read(principal):
        return HTMLResponse(pages.render("login.html", error="That token's roles do not include reporting.",
                                         partnership=_partnership(request)), status_code=status.HTTP_403_FORBIDDEN)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
    return response


@router.post("/logout", include_in_schema=False)
async def logout() -> RedirectResponse:
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE)
    return response
