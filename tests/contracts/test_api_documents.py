"""The interface other tools rely on is written down and kept true: each service's OpenAPI and
AsyncAPI and the event catalogue in docs/api/ match the code (regenerate with scripts/export_api.py)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _exporter():
    spec = importlib.util.spec_from_file_location("export_api", ROOT / "scripts" / "export_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_api_documents_match_the_code():
    docs = _exporter().documents()
    stale = [name for name, text in docs.items() if (ROOT / "docs" / "api" / name).read_text() != text]
    assert not stale, f"docs/api is out of date: {stale}; run .venv/bin/python scripts/export_api.py"


def test_the_stable_interface_of_the_architecture_doc_is_in_the_openapi():
    paths = {name: set(json.loads((ROOT / "docs" / "api" / f"{name}.openapi.json").read_text())["paths"])
             for name in ("referrals", "scheduling", "notifications", "audits", "reporting")}
    assert {"/v1/referrals/child", "/v1/referrals/adult", "/v1/cases/{case_id}"} <= paths["referrals"]
    assert {"/v1/deadlines", "/v1/calendar/add-working-days"} <= paths["scheduling"]
    assert "/v1/notifications" in paths["notifications"]
    assert {"/v1/audits", "/v1/audits/{audit_id}/sample"} <= paths["audits"]
    assert "/v1/reports/summary" in paths["reporting"]
    for name, service_paths in paths.items():
        assert {"/health", "/metrics"} <= service_paths, name


def test_every_event_is_versioned_and_named_service_aggregate_event():
    events = json.loads((ROOT / "docs" / "api" / "events.json").read_text())["events"]
    assert len(events) >= 20
    for event in events:
        service, aggregate, name = event["event_type"].split(".")
        assert service in ("referrals", "scheduling", "notifications", "audits") and aggregate and name
        assert event["schema_version"] >= 1
