"""OpenTelemetry traces: one referral's trace from the HTTP request, through the outbox row and the
NATS message, to each consumer's handling — off unless an exporter is configured.

Tracing is on when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set:
spans then leave by OTLP over HTTP, batched, with the service's name (``safeguard-<service>``) as
``service.name``; the other ``OTEL_*`` variables of the OTLP exporter apply as usual. Tests hand a
provider of their own to ``using``. Off, nothing of the SDK is imported and no instrumentation is
installed: a request pays nothing for it.

The spans come from the instrumentation packages where there is one: FastAPI's (one server span per
request), SQLAlchemy's (one span per statement) and FastStream's own telemetry middleware (a producer
span per publish, with the context in the message's ``traceparent`` header). The consumers fetch and
handle their messages in batches with a pull loop of their own (bus/pull.py), outside FastStream, so
the consumer span of each message handled is made here as FastStream's middleware made it: named
``<subject> process``, of kind CONSUMER, the child of the context in the message's headers
(``consuming``). The one link they cannot make is across the outbox: a request commits its
events and answers, and the relay publishes them later from another task. So the outbox row keeps
the W3C ``traceparent`` of the span that recorded it (``trace_context``), and the relay publishes the
row inside that context: FastStream's publish span is its child and carries it on.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

_PROPAGATOR = TraceContextTextMapPropagator()
_override: Callable[[str], trace.TracerProvider] | None = None
_from_environment: dict[str, trace.TracerProvider] = {}


def exporter_configured(env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


@contextmanager
def using(providers: Callable[[str], trace.TracerProvider]) -> Iterator[None]:
    """Services built inside this block trace to ``providers(service)`` (tests: an in-memory exporter's)."""
    global _override
    before, _override = _override, providers
    try:
        yield
    finally:
        _override = before


def provider_for(service: str) -> trace.TracerProvider | None:
    """The provider this service's spans go to, or None when tracing is off."""
    if _override is not None:
        return _override(service)
    if not exporter_configured():
        return None
    if service not in _from_environment:
        # Imported only when tracing is on: the SDK and the exporter are not needed otherwise.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": f"safeguard-{service}"}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        _from_environment[service] = provider
    return _from_environment[service]


def instrument_app(app: FastAPI, provider: trace.TracerProvider) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # /metrics and the probes are scraped every few seconds: spans of them would drown the rest.
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="/metrics,/health,/livez",
                                       server_request_hook=_without_query)


def _without_query(span: trace.Span, scope: dict[str, Any]) -> None:
    """A query string may hold what identifies a child (a case search's ``q``): the request's span keeps
    the path alone, like the logs."""
    if not span.is_recording():
        return
    path = str(scope.get("path", ""))
    span.set_attribute("http.target", path)
    span.set_attribute("url.path", path)
    span.set_attribute("url.query", "")
    scheme, host = scope.get("scheme", "http"), dict(scope.get("headers") or []).get(b"host", b"").decode()
    span.set_attribute("http.url", f"{scheme}://{host}{path}")


def instrument_engine(engine: AsyncEngine, provider: trace.TracerProvider) -> None:
    """A span per statement on this engine alone (the package's ``instrument()`` would patch every
    engine the process creates, other services' in a test included)."""
    from opentelemetry.instrumentation.sqlalchemy import engine as instrumentation
    from opentelemetry.instrumentation.sqlalchemy.version import __version__
    from opentelemetry.metrics import NoOpMeter

    tracer = provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__)
    usage = NoOpMeter("safeguard").create_up_down_counter("db.client.connections.usage")
    engine_tracer: Any = instrumentation.EngineTracer  # the package has no type hints
    engine_tracer(tracer, engine.sync_engine, usage)


def broker_middlewares(provider: trace.TracerProvider | None) -> tuple[Any, ...]:
    """FastStream's own telemetry middleware for the NATS broker, when tracing is on."""
    if provider is None:
        return ()
    from faststream.nats.opentelemetry import NatsTelemetryMiddleware

    return (NatsTelemetryMiddleware(tracer_provider=provider, include_messages_counters=False),)


@contextmanager
def consuming(provider: trace.TracerProvider | None, subject: str,
              headers: dict[str, str] | None) -> Iterator[None]:
    """The consumer span of one message handled, in the trace its headers carry (nothing when off)."""
    if provider is None:
        yield
        return
    parent = _PROPAGATOR.extract(headers or {})
    tracer = provider.get_tracer("safeguard_shared.bus")
    with tracer.start_as_current_span(f"{subject} process", context=parent, kind=trace.SpanKind.CONSUMER,
                                      attributes={"messaging.system": "nats", "messaging.operation": "process",
                                                  "messaging.destination.name": subject}):
        yield


@contextmanager
def delivering(provider: trace.TracerProvider | None, channel: str, template: str, attempt: int) -> Iterator[None]:
    """The span of one message handed to its channel (the SMTP relay or the ``.eml`` folder), in the
    current context: there is no instrumentation package for sending mail, so it is made here, of kind
    CLIENT like a database's. It names the template and the attempt, never the recipient."""
    if provider is None:
        yield
        return
    tracer = provider.get_tracer("safeguard_shared.notifications")
    with tracer.start_as_current_span(f"{channel} send", kind=trace.SpanKind.CLIENT,
                                      attributes={"safeguard.channel": channel, "safeguard.template": template,
                                                  "safeguard.attempt": attempt}):
        yield


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the span now current, if one is being recorded (kept on an outbox row)."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def detached() -> Iterator[None]:
    """Run the block in no trace: work done between two traced pieces that belongs to neither."""
    token = otel_context.attach(otel_context.Context())
    try:
        yield
    finally:
        otel_context.detach(token)


@contextmanager
def within(traceparent: str | None) -> Iterator[None]:
    """Run the block in the context an outbox row recorded (nothing changes without one)."""
    if not traceparent:
        yield
        return
    token = otel_context.attach(_PROPAGATOR.extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        otel_context.detach(token)
