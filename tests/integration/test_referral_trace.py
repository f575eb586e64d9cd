"""One referral, one trace: the police's request, the case.opened event it recorded in the outbox, its
publishing on NATS, and its handling by scheduling, notifications and reporting all carry the same trace
id — and so do the deadlines scheduling publishes in turn and reporting's handling of them.

The services run in-process on a real NATS server, as in test_referral_reaches_every_service.py, each
tracing to its own provider (its own ``service.name``, as an OTLP exporter would see it), every
provider writing to one in-memory exporter.
"""
from __future__ import annotations

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from safeguard_shared import tracing
from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, bearer, example_child_referral, running
from safeguard_testing.toy import eventually


@pytest.fixture
def exporter():
    spans = InMemorySpanExporter()

    def provider(service: str) -> TracerProvider:
        made = TracerProvider(resource=Resource.create({"service.name": f"safeguard-{service}"}))
        made.add_span_processor(SimpleSpanProcessor(spans))
        return made

    with tracing.using(provider):
        yield spans


@pytest.fixture
async def partnership(exporter, databases, nats_url, bus_namespace, tmp_path, issuer):
    async with running(("referrals", "scheduling", "notifications", "reporting"), databases=databases,
                       nats_url=nats_url, bus_namespace=bus_namespace, data_dir=tmp_path, issuer=issuer,
                       clock=FixedDateClock(EXAMPLE_DATE)) as services:
        yield services


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"]).removeprefix("safeguard-")


def handled(spans: list[ReadableSpan], subject_ends: str) -> set[str]:
    """The services whose consumers handled a message whose subject ends so, in these spans."""
    return {service_of(s) for s in spans if s.kind == SpanKind.CONSUMER and s.name.endswith(" process")
            and s.name.removesuffix(" process").endswith(subject_ends)}


async def test_one_referral_is_one_trace_across_every_service_it_reaches(partnership, exporter, issuer):
    referrals, scheduling, notifications = (partnership[s] for s in ("referrals", "scheduling", "notifications"))
    police = bearer(issuer, "police", "referrer")
    business_unit = bearer(issuer, "partnership", "business_unit", "reporting_reader")

    created = await referrals.client.post("/v1/referrals/child", json=example_child_referral(), headers=police)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    [request] = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER
                 and service_of(s) == "referrals" and s.name == "POST /v1/referrals/child"]
    trace_id = request.context.trace_id

    def in_trace() -> list[ReadableSpan]:
        return [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]

    async def reached_everyone() -> list[ReadableSpan] | None:
        spans = in_trace()
        everyone = (handled(spans, "referrals.case.opened") == {"scheduling", "notifications", "reporting"}
                    and "reporting" in handled(spans, "scheduling.deadline.scheduled")
                    and "reporting" in handled(spans, "notifications.notification.sent"))
        return spans if everyone else None

    spans = await eventually(reached_everyone, timeout=20)

    # Inside the request: the statements that wrote the case and its outbox row.
    inserts = [s for s in spans if service_of(s) == "referrals" and s.kind == SpanKind.CLIENT
               and "INSERT INTO outbox" in str(s.attributes.get("db.statement", s.attributes.get("db.query.text")))]
    assert inserts, "the outbox row was written inside the request's trace"
    # The relay published case.opened in that trace, from the row's recorded context.
    assert any(s.kind == SpanKind.PRODUCER and service_of(s) == "referrals"
               and s.name.endswith("referrals.case.opened publish") for s in spans)
    # Scheduling published the deadlines it scheduled from its handling, in the same trace.
    assert any(s.kind == SpanKind.PRODUCER and service_of(s) == "scheduling"
               and s.name.endswith("scheduling.deadline.scheduled publish") for s in spans)
    # The Panel's notice was handed to the channel (here the .eml folder) in the same trace, and the
    # notification.sent event recorded with its result was published in it: the trace ends at the send.
    [send] = [s for s in spans if service_of(s) == "notifications" and s.kind == SpanKind.CLIENT
              and s.name == "outbox send"]
    assert send.attributes["safeguard.template"] == "serious_incident_notification"
    assert any(s.kind == SpanKind.PRODUCER and service_of(s) == "notifications"
               and s.name.endswith("notifications.notification.sent publish") for s in spans)
    # Every consumer span of this trace is about this case's events: nothing else joined it.
    assert {service_of(s) for s in spans} == {"referrals", "scheduling", "notifications", "reporting"}

    # A query string stays out of the spans: what someone searched for is theirs, not the trace's.
    found = await referrals.client.get("/v1/cases", params={"q": "C-1029"}, headers=business_unit)
    assert found.status_code == 200, found.text
    texts = [str(v) for s in exporter.get_finished_spans() for v in s.attributes.values()]
    assert not [t for t in texts if "C-1029" in t]

    # The effects the trace describes did happen.
    deadlines = (await scheduling.client.get("/v1/deadlines", params={"case_id": case_id},
                                             headers=business_unit)).json()
    assert "rr.complete" in {d["key"] for d in deadlines}
    notices = (await notifications.client.get("/v1/notifications", params={"case_id": case_id},
                                              headers=business_unit)).json()
    # The Panel was told, once. The clock ticks every few seconds, and a tick after the case opened
    # reminds the business unit that the scoping is due within two working days (on a loaded CI machine
    # this test once read the notices after such a tick): the clock at work, not part of this trace.
    sent = [(n["recipient_kind"], n["template"]) for n in notices]
    assert [s for s in sent if s[1] != "deadline_reminder"] == [("national_panel", "serious_incident_notification")]
    assert all(s == ("business_unit", "deadline_reminder") for s in sent if s[1] == "deadline_reminder")


async def test_without_an_exporter_nothing_is_traced(databases, nats_url, bus_namespace, tmp_path, issuer, monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    async with running(("referrals",), databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer) as services:
        runtime = services["referrals"].runtime
        assert runtime.tracer_provider is None
        assert not runtime.bus.broker.middlewares
