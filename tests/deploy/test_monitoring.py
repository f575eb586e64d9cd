"""The monitoring an operations team loads — deploy/prometheus/alerts.yml and deploy/grafana/dashboard.json —
parses, and every metric it names is one the services export (so no alert watches a name that never
comes): the alerts deploy/README.md lists are there, each with a summary."""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboard.json"
# The modules that define the services' metrics (importing one registers its metrics).
DEFINING = ("safeguard_shared.bus.metrics", "safeguard_shared.observability",
            "scheduling.application.deadline_gauges", "notifications.application.dispatch")
SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum", "_created"),
            "summary": ("_count", "_sum", "_created")}
NAMED = re.compile(r"\bsafeguard_[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def exported() -> set[str]:
    for module in DEFINING:
        importlib.import_module(module)
    return {family.name + suffix for family in REGISTRY.collect() if family.name.startswith("safeguard_")
            for suffix in SUFFIXES.get(family.type, ("",))}


def alert_rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    document = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in document["panels"] for target in panel["targets"]]


def test_the_alerts_cover_the_outbox_consumer_lag_dead_letters_and_overdue_statutory_deadlines(exported):
    rules = {rule["alert"]: rule for rule in alert_rules()}
    watched = {name: set(NAMED.findall(rule["expr"])) for name, rule in rules.items()}
    assert "safeguard_outbox_oldest_unpublished_age_seconds" in watched["SafeguardOutboxNotPublishing"]
    assert "safeguard_consumer_pending_messages" in watched["SafeguardConsumerLagging"]
    assert "safeguard_events_dead_lettered_total" in watched["SafeguardDeadLetters"]
    assert 'statutory="true"' in rules["SafeguardStatutoryDeadlineOverdue"]["expr"]
    for name, rule in rules.items():
        assert rule["annotations"]["summary"], name
        assert rule["labels"]["severity"] in {"page", "warning"}, name


def test_every_metric_the_alerts_and_the_dashboard_name_is_exported(exported):
    named = {m for rule in alert_rules() for m in NAMED.findall(rule["expr"])}
    named |= {m for expr in dashboard_expressions() for m in NAMED.findall(expr)}
    assert len(named) >= 8
    assert named - exported == set(), f"not exported by any service: {sorted(named - exported)}"


def test_the_dashboard_is_a_grafana_dashboard_of_prometheus_panels():
    document = json.loads(DASHBOARD.read_text())
    assert document["uid"] and document["title"] and document["schemaVersion"] >= 30
    ids = [panel["id"] for panel in document["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in document["panels"]:
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["type"] == "prometheus"
        for target in panel["targets"]:
            # Balanced brackets: a typo in an expression shows as an empty panel, not an error.
            expr = target["expr"]
            assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), expr
