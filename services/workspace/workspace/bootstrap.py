"""Wires the workspace: settings → session store, the services' HTTP clients, sign-in → web app.

It has no bus and no case data: every page is built from the other services' HTTP APIs, called with
the signed-in person's own token.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException

from safeguard_shared import logging as slog
from safeguard_shared.clock import Clock, clock_for

from .adapters.audits_api import AuditsApi
from .adapters.oidc import OidcProvider, ProviderConfig
from .adapters.referrals_api import ReferralsApi
from .adapters.reporting_api import ReportingApi
from .adapters.scheduling_api import SchedulingApi
from .adapters.sessions import SessionStore
from .application import cases
from .application.sign_in import LocalSignIn, local_sign_in_available
from .config import WorkspaceSettings, load_settings
from .entrypoints import web
from .entrypoints.adult_pages import router as adult_router
from .entrypoints.agency_pages import router as agency_router
from .entrypoints.audit_pages import router as audit_router
from .entrypoints.case_pages import router as case_router
from .entrypoints.panel_pages import router as panel_router
from .entrypoints.sign_in_pages import router as sign_in_router
from .entrypoints.step_pages import router as step_router

log = slog.get("workspace")
OWN_ASSETS = web.TEMPLATES.parent / "static" / "workspace"


def bootstrap(settings: WorkspaceSettings | None = None, clock: Clock | None = None,
              referrals_transport: httpx.AsyncBaseTransport | None = None,
              oidc_transport: httpx.AsyncBaseTransport | None = None,
              scheduling_transport: httpx.AsyncBaseTransport | None = None,
              audits_transport: httpx.AsyncBaseTransport | None = None,
              reporting_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The app. The transports let a test put the real referrals, scheduling, audits and reporting
    apps, or an identity provider, in-process."""
    settings = settings or load_settings()
    store = SessionStore(settings.resolved_database_url())
    referrals_client = httpx.AsyncClient(base_url=settings.referrals_url, transport=referrals_transport,
                                         timeout=settings.api_timeout_seconds)
    scheduling_client = httpx.AsyncClient(base_url=settings.scheduling_url, transport=scheduling_transport,
                                          timeout=settings.api_timeout_seconds)
    audits_client = httpx.AsyncClient(base_url=settings.audits_url, transport=audits_transport,
                                      timeout=settings.api_timeout_seconds)
    reporting_client = httpx.AsyncClient(base_url=settings.reporting_url, transport=reporting_transport,
                                         timeout=settings.api_timeout_seconds)
    local = None
    if local_sign_in_available(enabled=settings.local_sign_in, jwks_url=settings.auth_jwks_url,
                               public_key_file=settings.auth_public_key_file, issuer_dir=settings.issuer_dir):
        local = LocalSignIn(settings.issuer_dir, hours=settings.session_hours)
    oidc = None
    if settings.oidc_configured:
        assert settings.oidc_issuer and settings.oidc_client_id
        oidc = OidcProvider(ProviderConfig(issuer=settings.oidc_issuer, client_id=settings.oidc_client_id,
                                           client_secret=settings.oidc_client_secret, scope=settings.oidc_scope,
                                           redirect_uri=settings.oidc_redirect_uri),
                            transport=oidc_transport, timeout=settings.api_timeout_seconds)
    ws = web.Workspace(settings=settings, store=store, referrals=ReferralsApi(referrals_client), local=local,
                       templates=web.make_templates(), clock=clock or clock_for(settings.today), oidc=oidc,
                       scheduling=SchedulingApi(scheduling_client), audits=AuditsApi(audits_client),
                       reporting=ReportingApi(reporting_client))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await store.create_tables()
        if not (settings.assets_dir / "govuk-frontend.min.css").exists():
            log.warning("GOV.UK Frontend assets are missing: run make install")
        log.info("service started", extra={"port": settings.port})
        try:
            yield
        finally:
            await referrals_client.aclose()
            await scheduling_client.aclose()
            await audits_client.aclose()
            await reporting_client.aclose()
            await store.close()
            log.info("service stopped")

    app = FastAPI(title="Safeguarding learning reviews: workspace", version="1", lifespan=lifespan,
                  description="The web pages people use. It owns no case data.")
    app.state.workspace = ws
    app.include_router(sign_in_router)
    app.include_router(case_router)
    app.include_router(adult_router)
    app.include_router(step_router)
    app.include_router(agency_router)
    app.include_router(audit_router)
    app.include_router(panel_router)
    # The released GOV.UK Frontend, fetched and checked by make install; never from a CDN.
    settings.assets_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/assets", StaticFiles(directory=settings.assets_dir), name="assets")
    app.mount("/workspace-assets", StaticFiles(directory=OWN_ASSETS), name="workspace-assets")

    @app.get("/health", tags=["operations"])
    async def health() -> JSONResponse:
        """The session store answers; 503 when it does not."""
        ok = await store.ping()
        return JSONResponse({"service": "workspace", "database": "ok" if ok else "unavailable",
                             "status": "ok" if ok else "degraded"}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def prometheus() -> PlainTextResponse:
        """Prometheus metrics (the process's own; the workspace counts no case data)."""
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/livez", tags=["operations"])
    async def livez() -> dict[str, str]:
        """The process is alive and serving."""
        return {"service": "workspace", "status": "alive"}

    @app.exception_handler(httpx.HTTPError)
    async def service_unreachable(request: Request, exc: httpx.HTTPError) -> Response:
        # A service the page needs did not answer: say so, and that nothing was lost by trying again.
        log.warning("a service did not answer", extra={"error_type": type(exc).__name__})
        return web.page(request, "service_unavailable.html", None, status=503)

    # What a service said about the signed-in person's request, wherever a page asked it.
    @app.exception_handler(cases.SignInAgain)
    async def sign_in_again(request: Request, _exc: cases.SignInAgain) -> Response:
        session = await web.signed_in(request)
        return await web.sign_in_again(request, session) if session else web.to_sign_in(request)

    @app.exception_handler(web.SignInFirst)
    async def sign_in_first(request: Request, _exc: web.SignInFirst) -> Response:
        return web.to_sign_in(request)

    @app.exception_handler(cases.NotPermitted)
    async def not_permitted(request: Request, exc: cases.NotPermitted) -> Response:
        return web.page(request, "refused.html", await web.signed_in(request), status=403, reason=str(exc))

    @app.exception_handler(cases.NotFound)
    async def not_found(request: Request, _exc: cases.NotFound) -> Response:
        return web.page(request, "not_found.html", await web.signed_in(request), status=404)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == "csrf":
            return web.page(request, "expired_form.html", None, status=400)
        if exc.status_code == 404:
            return web.page(request, "not_found.html", None, status=404)
        return HTMLResponse(str(exc.detail), status_code=exc.status_code)

    return app
