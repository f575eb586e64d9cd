"""The runtime every service is built on: its store, its bus, its relay, health and metrics.

Each service's ``bootstrap.py`` makes one ``ServiceRuntime`` and hands it its tables, migrations,
subscriptions and routes; nothing else is shared between services.
"""
from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import MetaData, Table
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import logging as slog
from . import observability, tracing
from .access_log.store import RememberEndpoint
from .aio import cancel_and_wait
from .auth import LocalIssuer, TokenVerifier
from .bus.consumer import Inbox, Subscription
from .bus.dispatch import EventDispatcher, EventHandlers, producer_of, producers
from .bus.names import BusNames
from .bus.nats import NatsBus
from .bus.outbox import Outbox, OutboxRelay
from .clock import Clock, clock_for
from .db import create_engine, is_postgres, session_factory
from .db.migrate import upgrade
from .settings import ServiceSettings
from .unit_of_work import UnitOfWork

log = slog.get("service")
SHUTDOWN_STEP_SECONDS = 5.0

# Every answer of every service. Pages are server-rendered from this origin with no script at all, so
# scripts, frames, plugins and forms elsewhere are refused; the reporting pages' one <style> block and
# their inline SVG charts need inline styles (styles cannot run code). The API docs pages are off
# (see ``ServiceRuntime.app``), so nothing is loaded from a CDN.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
# Case-level answers are never kept by a browser or a proxy.
NO_STORE: tuple[bytes, bytes] = (b"cache-control", b"no-store")
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1"})


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, ``Cache-Control: no-store`` on every
    ``/v1/`` response (replacing any other caching), and the same on the 500 of an unhandled error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = str(scope.get("path", "")).startswith("/v1/")
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": _secured(message.get("headers", ()), no_store=no_store)}
            await send(message)

        try:
            await self.app(scope, receive, send_secured)
        except Exception:
            if not started:  # the outer error handler would answer without the headers: answer here
                body = b'{"detail":"Internal Server Error"}'
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 500,
                            "headers": _secured(headers, no_store=no_store)})
                await send({"type": "http.response.body", "body": body})
            raise


class RefuseNulCharacters:
    """ASGI middleware: a JSON body with a NUL character (``\\u0000``) in any string or key is refused
    with a 422 that names the field, before a route sees it (PostgreSQL cannot store NUL in text, and
    no field of the product means one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = _header(scope, b"content-type")  # FastAPI reads a body without one as JSON too
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or \
                (content_type and b"json" not in content_type):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nothing to answer
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        where = _nul_location(body) if b"\\u0000" in body else None
        if where is not None:
            problem = {"loc": ["body", *where], "msg": "must not contain a NUL character", "type": "string_nul"}
            await JSONResponse({"detail": [problem]}, status_code=422)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class BodyTooLarge(HTTPException):
    """Raised while reading a body past its limit: an HTTPException, so that FastAPI's reading of a
    JSON or form body lets it through (it turns other errors into a 400) and answers the 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large_text(limit))


class BoundBodySize:
    """ASGI middleware: a request body larger than the limit is refused with a 413 before it is read
    in full: at once when ``Content-Length`` says so, else by counting the bytes as they stream in and
    stopping at the limit. Routes taking a file (``is_upload``) have their own, larger limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int,
                 is_upload: Callable[[Scope], bool] = lambda _scope: False) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.is_upload = is_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if self.is_upload(scope) else self.max_bytes
        declared = _header(scope, b"content-length")
        if declared and (not declared.isdigit() or int(declared) > limit):
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _too_large(limit)(scope, receive, send)


def _takes_a_file(routers: Iterable[APIRouter]) -> Callable[[Scope], bool]:
    """Whether a request goes to a route whose documented body may be a file (CSV, or a multipart form)."""
    uploads = [route for router in routers for route in router.routes if isinstance(route, APIRoute)
               and {"text/csv", "multipart/form-data"} & set(((route.openapi_extra or {}).get("requestBody") or {})
                                                            .get("content", {}))]

    def check(scope: Scope) -> bool:
        return any(route.matches(scope)[0] == Match.FULL for route in uploads)
    return check


def _too_large_text(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes."


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": _too_large_text(limit)},
                        status_code=413, headers={"connection": "close"})


def _header(scope: Scope, name: bytes) -> bytes:
    return next((v.lower() for k, v in scope.get("headers", ()) if k.lower() == name), b"")


def _nul_location(body: bytes) -> list[str | int] | None:
    """Where the first NUL is in a JSON document: the keys and indexes down to it (a key holding one
    is named with the NUL written as ``\\u0000``); None when there is none or the body is not JSON."""
    try:
        document = json.loads(body)
    except ValueError:
        return None  # FastAPI answers malformed JSON with its own 422
    stack: list[tuple[Any, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str) and "\0" in value:
            return path
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                if "\0" in key:
                    return [*path, key.replace("\0", "\\u0000")]
                stack.append((item, [*path, key]))
        elif isinstance(value, list):
            stack.extend((item, [*path, i]) for i, item in reversed(list(enumerate(value))))
    return None


def _secured(headers: Iterable[tuple[bytes, bytes]], *, no_store: bool) -> list[tuple[bytes, bytes]]:
    replaced = {name for name, _ in SECURITY_HEADERS} | ({NO_STORE[0]} if no_store else set())
    kept = [(k, v) for k, v in headers if k.lower() not in replaced]
    return kept + list(SECURITY_HEADERS) + ([NO_STORE] if no_store else [])


def _may_read_metrics(request: Request, token: str | None) -> None:
    """A scrape with the static ``SAFEGUARD_METRICS_TOKEN`` (compared in constant time); without one
    configured, only a request from this machine."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "metrics need the scrape token",
                                headers={"WWW-Authenticate": "Bearer"})
        return
    if request.client is None or request.client.host not in LOCAL_HOSTS:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "metrics are answered only on this machine unless SAFEGUARD_METRICS_TOKEN is set")


class Health(BaseModel):
    """What ``GET /health`` answers: 503 when the database or the broker is unreachable; 200 otherwise,
    with ``status`` ``degraded`` while events are set aside (the service serves, but a person must
    look at what the broker would not take: ``events_set_aside``)."""

    service: str
    database: Literal["ok", "unavailable"]
    broker: Literal["ok", "unavailable"]
    events_set_aside: int | None = None
    status: Literal["ok", "degraded"]


class Alive(BaseModel):
    """What ``GET /livez`` answers while the process serves."""

    service: str
    status: Literal["alive"]


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, outbox_table: Table, inbox_table: Table,
                 migrations: Path, clock: Clock | None = None):
        self.settings = settings
        self.name = settings.service_name
        self.clock = clock or clock_for(settings.today)
        self.engine = create_engine(settings.resolved_database_url())
        self.sessions = session_factory(self.engine)
        self.names = BusNames(settings.bus_namespace)
        # Off (None) unless an OTLP endpoint is configured: see tracing.py.
        self.tracer_provider = tracing.provider_for(self.name)
        if self.tracer_provider is not None:
            tracing.instrument_engine(self.engine, self.tracer_provider)
        self.bus = NatsBus(settings.nats_url, self.names, self.name, settings.stream_replicas,
                           settings.bus_credentials(), tracer_provider=self.tracer_provider)
        self.outbox = Outbox(outbox_table, self.names, self.name)
        self.relay = OutboxRelay(self.sessions, outbox_table, self.bus.publish_event,
                                 postgres=is_postgres(self.engine), service=self.name)
        self.inbox = Inbox(self.sessions, inbox_table)
        self._recorded_when_woken = 0
        self.migrations = migrations
        self.subscriptions: list[Subscription] = []
        # Coroutine factories run for the life of the service (a ticker, a dispatcher).
        self.background: list[Callable[[], Coroutine[Any, Any, Any]]] = []
        # A service's own gauges, read at each scrape of /metrics (scheduling: its deadlines).
        self.on_scrape: list[tuple[str, observability.ScrapeHook]] = []

    def subscribe(self, sub: Subscription) -> None:
        # Events a handler recorded in the outbox leave as soon as the handler commits.
        sub.after_commit.append(self._wake_relay_if_owed)
        self.subscriptions.append(sub)
        self.bus.subscribe(sub, self.inbox)

    def _wake_relay_if_owed(self) -> None:
        """Wake the relay after a consumer's commit only if events were recorded since the last time: a
        woken relay reads the outbox, and a consumer working through a backlog commits often."""
        if self.outbox.recorded != self._recorded_when_woken:
            self._recorded_when_woken = self.outbox.recorded
            self.relay.wake()

    def handle_events(self, table: EventHandlers) -> None:
        """Subscribe this service's durable consumer (named after the service) to every stream whose
        events ``table`` answers, filtered on the event types it answers there."""
        dispatcher = EventDispatcher(table, self.outbox, self.clock)
        for producer in producers(table):
            answered = sorted((c for c in table if producer_of(c) == producer),
                              key=lambda c: (c.event_type, c.schema_version))
            self.subscribe(Subscription(consumer=self.name, producer=producer, handle=dispatcher,
                                        concerns=dispatcher.concerns,
                                        subjects=tuple(sorted({c.event_type for c in answered})),
                                        ack_wait_seconds=self.settings.ack_wait_seconds,
                                        contracts=tuple(answered)))

    def scrape_steps(self) -> list[tuple[str, observability.ScrapeHook]]:
        """What a scrape of /metrics reads first: the outbox, each durable consumer's lag, the service's own."""
        steps: list[tuple[str, observability.ScrapeHook]] = [
            ("outbox", lambda: observability.refresh_outbox(self.name, self.relay))]
        if self.subscriptions and self.bus.connected:
            steps.append(("consumer_lag", lambda: observability.refresh_consumer_lag(
                self.name, self.bus, self.subscriptions)))
        return steps + self.on_scrape

    def unit_of_work(self) -> UnitOfWork:
        """A transaction on this service's store with the events it owes (see unit_of_work.py)."""
        return UnitOfWork(self.sessions, self.outbox, self.clock, on_commit=self.relay.wake)

    def verifier(self) -> TokenVerifier:
        s = self.settings
        if s.auth_jwks_url:
            return TokenVerifier(jwks_url=s.auth_jwks_url, issuer=s.auth_issuer, audience=s.auth_audience)
        if s.auth_public_key_file:
            return TokenVerifier(public_key_pem=Path(s.auth_public_key_file).read_bytes(),
                                 issuer=s.auth_issuer, audience=s.auth_audience)
        # Embedded default: the local issuer's key in the data folder (made on first use).
        return LocalIssuer(Path(s.data_dir) / "issuer", s.auth_issuer, s.auth_audience).verifier()

    async def migrate(self) -> None:
        await upgrade(self.engine, self.migrations)

    async def health(self) -> dict[str, Any]:
        """Reachability of the store and the broker, and how many events the relay set aside."""
        set_aside: int | None = None
        try:
            set_aside = await self.relay.set_aside()
            db_ok = True
        except Exception:
            db_ok = False
        reachable = db_ok and self.bus.connected
        return {"service": self.name, "database": "ok" if db_ok else "unavailable",
                "broker": "ok" if self.bus.connected else "unavailable", "events_set_aside": set_aside,
                "status": "ok" if reachable and not set_aside else "degraded"}

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        await self.migrate()
        await self.bus.start()
        self.relay.start()
        tasks = [asyncio.create_task(factory(), name=f"{self.name}-bg") for factory in self.background]
        log.info("service started", extra={"port": self.settings.port})
        try:
            yield
        finally:
            # Every step is bounded: a service that is asked to stop, stops, and says what lingered.
            lingering = await cancel_and_wait(tasks, SHUTDOWN_STEP_SECONDS)
            if lingering:
                log.warning("background loops did not stop in time", extra={"count": len(lingering)})
            steps = (("relay", self.relay.stop), ("broker", self.bus.stop), ("database", self.engine.dispose))
            for step, call in steps:
                try:
                    async with asyncio.timeout(SHUTDOWN_STEP_SECONDS * 2):
                        await call()
                except Exception as exc:  # noqa: BLE001 - shutting down regardless (TimeoutError included)
                    log.warning("shutdown step did not finish cleanly", extra={"key": step,
                                                                               "error_type": type(exc).__name__})
            log.info("service stopped")

    def app(self, *, title: str, routers: Iterable[APIRouter] = (), description: str = "") -> FastAPI:
        routers = list(routers)
        # No /docs or /redoc: FastAPI's pages load Swagger UI and ReDoc from a CDN. The OpenAPI
        # document stays at /openapi.json (and, for people, in docs/api/).
        app = FastAPI(title=title, description=description, version="1", lifespan=self.lifespan,
                      docs_url=None, redoc_url=None)
        app.add_middleware(RememberEndpoint)  # a read recorded in the access log names its endpoint
        app.add_middleware(RefuseNulCharacters)
        # Outside RefuseNulCharacters, which reads the whole body: the bound holds before that read.
        app.add_middleware(BoundBodySize, max_bytes=self.settings.max_body_bytes,
                           upload_bytes=self.settings.max_upload_bytes, is_upload=_takes_a_file(routers))
        app.add_middleware(SecurityHeaders)  # added last, so outermost: the 422 above carries the headers too
        app.add_middleware(observability.RequestMetrics, service=self.name)  # times the whole answer
        if self.tracer_provider is not None:  # outermost: the request's span covers everything else
            tracing.instrument_app(app, self.tracer_provider)
        app.state.runtime = self
        app.state.verifier = self.verifier()
        for router in routers:
            app.include_router(router)
        runtime = self

        @app.get("/health", tags=["operations"], response_model=Health,
                 responses={503: {"model": Health, "description": "The database or the broker is unreachable"}})
        # Events set aside answer 200: the service still serves (probes keep it in), the body says degraded.
        async def health() -> JSONResponse:
            """Database and broker reachability (503 when either is down), and events set aside (200,
            degraded)."""
            body = await runtime.health()
            reachable = body["database"] == "ok" and body["broker"] == "ok"
            return JSONResponse(body, status_code=200 if reachable else 503)

        @app.get("/livez", tags=["operations"])
        async def livez() -> Alive:
            """The process is alive and serving (for a liveness probe: no database or broker check)."""
            return Alive(service=runtime.name, status="alive")

        @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse,
                 responses={401: {"description": "SAFEGUARD_METRICS_TOKEN is set and the bearer token is not it"},
                            403: {"description": "No SAFEGUARD_METRICS_TOKEN, and not a request from this machine"}})
        async def prometheus(request: Request) -> PlainTextResponse:
            """Prometheus metrics: with the bearer token ``SAFEGUARD_METRICS_TOKEN`` when it is set,
            else only to requests from this machine."""
            _may_read_metrics(request, runtime.settings.metrics_token)
            await observability.refresh(runtime.scrape_steps())
            return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

        @app.exception_handler(RequestValidationError)
        async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
            # Name the field and the problem, never echo the submitted value (it may identify a child).
            detail = [{"loc": list(e.get("loc", ())), "msg": _readable(e), "type": e.get("type")}
                      for e in exc.errors()]
            return JSONResponse({"detail": detail}, status_code=422)

        return app


def _readable(error: Mapping[str, Any]) -> str:
    msg = str(error.get("msg", ""))
    if msg.startswith("Value error, "):  # pydantic's prefix on our own validators' messages
        msg = msg[len("Value error, "):]
    if str(error.get("type", "")).startswith(("date_", "datetime_")):
        msg += " (dates are written YYYY-MM-DD)"
    return msg


def run(app: FastAPI, settings: ServiceSettings) -> None:
    """Entry point body: JSON logs, then uvicorn on the service's port."""
    import uvicorn

    slog.configure(settings.service_name, settings.log_level)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                timeout_graceful_shutdown=10)


def metadata_with_bus_tables() -> tuple[MetaData, Table, Table]:
    from .db.tables import add_bus_tables

    metadata = MetaData()
    outbox, inbox = add_bus_tables(metadata)
    return metadata, outbox, inbox
