"""What Prometheus reads from /metrics after one referral: the intake's route with its status code and
duration, the outbox's oldest unpublished event, each durable consumer's lag, and scheduling's deadlines
due soon and overdue by rule (statutory or not) — the names deploy/prometheus/alerts.yml and
deploy/grafana/dashboard.json use.

The referral was received on Monday 2 November 2026 and the business date is Monday 21 December 2026, so
its rapid review (15 working days) is already overdue when scheduling takes it.
"""
from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, bearer, example_child_referral, running
from safeguard_testing.toy import eventually

INTAKE = {"service": "referrals", "method": "POST", "route": "/v1/referrals/child", "code": "201"}


@pytest.fixture
async def partnership(databases, nats_url, bus_namespace, tmp_path, issuer):
    async with running(("referrals", "scheduling"), databases=databases, nats_url=nats_url,
                       bus_namespace=bus_namespace, data_dir=tmp_path, issuer=issuer,
                       clock=FixedDateClock(EXAMPLE_DATE)) as services:
        yield services


async def scrape(service) -> dict[tuple[str, frozenset], float]:
    answer = await service.client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def value(samples: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_one_referral_shows_on_every_gauge_the_alerts_watch(partnership, issuer):
    referrals, scheduling = partnership["referrals"], partnership["scheduling"]
    police = bearer(issuer, "police", "referrer")
    business_unit = bearer(issuer, "partnership", "business_unit")
    before = REGISTRY.get_sample_value("safeguard_http_request_duration_seconds_count", INTAKE) or 0.0

    referral = example_child_referral(received_on="2026-11-02",
                                      safeguarding_lead={"name": "A. Lead", "agreed_on": "2026-11-02"},
                                      incident={"occurred_on": "2026-10-30", "became_aware_on": "2026-11-02",
                                                "outcome": "seriously_harmed", "abuse_or_neglect": "suspected",
                                                "summary": "What happened."})
    created = await referrals.client.post("/v1/referrals/child", json=referral, headers=police)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    refused = await referrals.client.post("/v1/referrals/child", json={}, headers=police)
    assert refused.status_code == 422

    async def overdue() -> list[dict]:
        rows = (await scheduling.client.get("/v1/deadlines", params={"case_id": case_id},
                                            headers=business_unit)).json()
        return [r for r in rows if r["key"] == "rr.complete" and r["status"] == "overdue"]

    await eventually(overdue, timeout=15)

    seen = await scrape(referrals)
    # The route by its template, once more than before, with its duration; the refusal under its own code.
    assert value(seen, "safeguard_http_request_duration_seconds_count", **INTAKE) == before + 1
    assert value(seen, "safeguard_http_request_duration_seconds_sum", **INTAKE) > 0
    assert value(seen, "safeguard_http_request_duration_seconds_count", **{**INTAKE, "code": "422"}) >= 1
    # Every event published: nothing waits in the outbox.
    assert value(seen, "safeguard_outbox_oldest_unpublished_age_seconds", service="referrals") == 0
    assert value(seen, "safeguard_outbox_backlog", service="referrals") == 0

    seen = await scrape(scheduling)
    lag = {dict(labels)["consumer"]: v for (name, labels), v in seen.items()
           if name == "safeguard_consumer_pending_messages" and dict(labels)["service"] == "scheduling"}
    assert lag and all(v == 0 for v in lag.values()), lag
    assert any(consumer.endswith("scheduling_on_referrals") or "referrals" in consumer for consumer in lag), lag
    assert value(seen, "safeguard_deadlines_open", service="scheduling", key="rr.complete", status="overdue",
                 statutory="true") == 1
    assert value(seen, "safeguard_deadlines_open", service="scheduling", key="rr.complete", status="due_soon",
                 statutory="true") == 0
