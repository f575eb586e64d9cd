"""What ``GET /metrics`` shows beyond the bus counters: each route's requests, and the gauges read
when Prometheus scrapes — each durable consumer's lag, the age of the oldest unpublished outbox row,
and whatever a service adds (scheduling: its deadlines due soon and overdue).

deploy/prometheus/alerts.yml and deploy/grafana/dashboard.json are written against these names;
tests/deploy/test_monitoring.py keeps them in step.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import logging as slog
from .bus import metrics

if TYPE_CHECKING:
    from .bus.consumer import Subscription
    from .bus.nats import NatsBus
    from .bus.outbox import OutboxRelay

log = slog.get("metrics")

HTTP_REQUEST_SECONDS = Histogram(
    "safeguard_http_request_duration_seconds", "HTTP requests by route (the path template) and status code",
    ["service", "method", "route", "code"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
CONSUMER_PENDING = Gauge("safeguard_consumer_pending_messages",
                         "Messages on a stream not yet delivered to a durable consumer (its lag)",
                         ["service", "consumer", "stream"])
CONSUMER_ACK_PENDING = Gauge("safeguard_consumer_ack_pending_messages",
                             "Messages delivered to a durable consumer and not yet acknowledged",
                             ["service", "consumer", "stream"])
OUTBOX_OLDEST_AGE = Gauge("safeguard_outbox_oldest_unpublished_age_seconds",
                          "Age of the oldest event recorded and not yet published (0 when none waits)", ["service"])

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SCRAPE_STEP_SECONDS = 2.0  # a broker or a database that does not answer does not hold the scrape

# A service's own gauges, read at each scrape (``ServiceRuntime.on_scrape``).
ScrapeHook = Callable[[], Awaitable[None]]


class RequestMetrics:
    """ASGI middleware: every HTTP request observed by its route's path template (never the path
    itself, which may hold a case id), method and status code. Unmatched paths share one label."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        code = 500  # what the client gets if the app raises before answering

        async def watched(message: Message) -> None:
            nonlocal code
            if message["type"] == "http.response.start":
                code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in METHODS else "other"
            HTTP_REQUEST_SECONDS.labels(self.service, method, route, str(code)).observe(
                time.perf_counter() - started)


async def refresh_outbox(service: str, relay: OutboxRelay) -> None:
    backlog, oldest = await relay.waiting()
    metrics.OUTBOX_BACKLOG.labels(service).set(backlog)
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
    OUTBOX_OLDEST_AGE.labels(service).set(max(age, 0.0))


async def refresh_consumer_lag(service: str, bus: NatsBus, subscriptions: Iterable[Subscription]) -> None:
    js = bus.jetstream()
    for sub in subscriptions:
        stream, durable = bus.names.stream(sub.producer), bus.names.durable(sub.consumer, sub.producer)
        info = await js.consumer_info(stream, durable, timeout=SCRAPE_STEP_SECONDS)
        CONSUMER_PENDING.labels(service, durable, stream).set(info.num_pending or 0)
        CONSUMER_ACK_PENDING.labels(service, durable, stream).set(info.num_ack_pending or 0)


async def refresh(steps: Iterable[tuple[str, ScrapeHook]]) -> None:
    """Run each step of a scrape, bounded; one that fails leaves its gauges as they were, and says so."""
    for name, step in steps:
        try:
            async with asyncio.timeout(SCRAPE_STEP_SECONDS * 2):
                await step()
        except Exception as exc:  # noqa: BLE001 - the rest of the scrape still answers
            log.warning("a metric could not be read", extra={"key": name, "error_type": type(exc).__name__})
