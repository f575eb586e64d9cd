"""Types reach the wire: every event a service consumes is documented with its payload in that service's
AsyncAPI document, and every JSON success response in its OpenAPI document has a schema.

The checks are functions of a document, tried first on small documents that are right and wrong, then
on every committed document in docs/api (made by scripts/export_api.py).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"
SERVICES = ("referrals", "scheduling", "notifications", "audits", "reporting")
# Keys that name or describe a schema without saying anything about the value.
_WORDS_ONLY = {"title", "description", "examples", "$defs", "definitions"}
_ENVELOPE = {"event_id", "event_type", "schema_version", "occurred_at", "correlation_id", "producer", "payload"}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow local references (``#/components/schemas/...``) until a schema that is not one."""
    seen: set[str] = set()
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return {}
        seen.add(ref)
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node.get(unquote(part).replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
        schema = node if isinstance(node, dict) else {}
    return schema


def _empty(doc: dict[str, Any], schema: dict[str, Any] | None) -> bool:
    """A schema that admits anything, or nothing: ``{}``, words only, or JSON null."""
    resolved = _resolve(doc, schema or {})
    return not (set(resolved) - _WORDS_ONLY) or resolved.get("type") == "null"


def _options(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    resolved = _resolve(doc, schema)
    for key in ("anyOf", "oneOf"):
        if key in resolved:
            options = resolved[key]
            return list(options.values()) if isinstance(options, dict) else list(options)
    return [schema]


def asyncapi_problems(doc: dict[str, Any]) -> list[str]:
    """Each message whose payload is not an envelope (or a choice of envelopes) with a payload schema."""
    messages = doc.get("components", {}).get("messages", {})
    if not messages:
        return ["the document names no message"]
    problems = []
    for name, message in sorted(messages.items()):
        payload = message.get("payload")
        if _empty(doc, payload):
            problems.append(f"{name}: empty payload")
            continue
        for option in _options(doc, payload or {}):
            envelope = _resolve(doc, option)
            properties = envelope.get("properties", {})
            title = envelope.get("title", "?")
            if not set(properties) >= _ENVELOPE:
                problems.append(f"{name}: {title} is not an envelope")
            elif _empty(doc, properties["payload"]) or not _resolve(doc, properties["payload"]).get("properties"):
                problems.append(f"{name}: {title} has no payload schema")
    return problems


def openapi_problems(doc: dict[str, Any]) -> list[str]:
    """Each 2xx response with a JSON body and no schema for it."""
    problems = []
    for path, operations in sorted(doc.get("paths", {}).items()):
        for method, operation in sorted(operations.items()):
            if not isinstance(operation, dict):
                continue
            for code, response in sorted(operation.get("responses", {}).items()):
                if not str(code).startswith("2"):
                    continue
                for media_type, content in _resolve(doc, response).get("content", {}).items():
                    if "json" in media_type and _empty(doc, content.get("schema")):
                        problems.append(f"{method.upper()} {path} {code} {media_type}: no schema")
    return problems


# --- the checks themselves, on small documents --------------------------------------------------------

_CONTRACT = {"title": "PanelResponded", "type": "object", "properties": {"case_id": {"type": "string"}}}


def _envelope(payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "title": "ReferralsCasePanelRespondedV1",
            "properties": {**{field: {"type": "string"} for field in _ENVELOPE}, "payload": payload}}


def _asyncapi(payload: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    return {"asyncapi": "3.0.0",
            "components": {"messages": {"svc <- referrals:SubscribeMessage": {"payload": payload}},
                           "schemas": {"PanelResponded": _CONTRACT, **schemas}}}


def test_the_asyncapi_check_accepts_envelopes_with_their_payloads():
    envelope = _envelope({"$ref": "#/components/schemas/PanelResponded"})
    one = _asyncapi({"$ref": "#/components/schemas/Env"}, Env=envelope)
    assert asyncapi_problems(one) == []
    choice = _asyncapi({"$ref": "#/components/schemas/svc%20%3C-%20referrals:Message:Payload"},
                       **{"Env": envelope, "svc <- referrals:Message:Payload": {
                           "anyOf": [{"$ref": "#/components/schemas/Env"}, {"$ref": "#/components/schemas/Env"}]}})
    assert asyncapi_problems(choice) == []


def test_the_asyncapi_check_finds_what_faststream_writes_for_a_body_typed_any():
    untyped = _asyncapi({"$ref": "#/components/schemas/P"}, P={"title": "svc <- referrals:Message:Payload"})
    assert asyncapi_problems(untyped) == ["svc <- referrals:SubscribeMessage: empty payload"]
    assert asyncapi_problems(_asyncapi({"title": "EmptyPayload", "type": "null"})) == [
        "svc <- referrals:SubscribeMessage: empty payload"]


def test_the_asyncapi_check_finds_an_envelope_without_its_payload_schema_and_a_bare_payload():
    loose = _asyncapi({"$ref": "#/components/schemas/Env"}, Env=_envelope({"type": "object"}))
    assert asyncapi_problems(loose) == [
        "svc <- referrals:SubscribeMessage: ReferralsCasePanelRespondedV1 has no payload schema"]
    bare = _asyncapi({"$ref": "#/components/schemas/PanelResponded"})
    assert asyncapi_problems(bare) == ["svc <- referrals:SubscribeMessage: PanelResponded is not an envelope"]
    assert asyncapi_problems({"asyncapi": "3.0.0", "components": {}}) == ["the document names no message"]


def _openapi(response: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0",
            "paths": {"/v1/cases/{case_id}": {"get": {"responses": {
                "200": response, "404": {"content": {"application/json": {"schema": {}}}}}}},
                "/v1/cases/{case_id}/close": {"post": {"responses": {"204": {"description": "Closed"}}}},
                "/v1/reports/timeliness.csv": {"get": {"responses": {"200": {"content": {"text/csv": {
                    "schema": {"type": "string"}}}}}}}},
            "components": {"schemas": {"CaseOut": {"type": "object", "properties": {"case_id": {"type": "string"}}}}}}


def test_the_openapi_check_accepts_json_responses_with_a_schema_and_ignores_other_bodies():
    typed = _openapi({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/CaseOut"}}}})
    assert openapi_problems(typed) == []
    listed = _openapi({"content": {"application/json": {"schema": {
        "type": "array", "items": {"$ref": "#/components/schemas/CaseOut"}}}}})
    assert openapi_problems(listed) == []


def test_the_openapi_check_finds_what_fastapi_writes_for_an_untyped_route():
    untyped = _openapi({"content": {"application/json": {"schema": {}}}})
    assert openapi_problems(untyped) == ["GET /v1/cases/{case_id} 200 application/json: no schema"]
    titled = _openapi({"content": {"application/json": {"schema": {"title": "Response Get Case"}}}})
    assert openapi_problems(titled) == ["GET /v1/cases/{case_id} 200 application/json: no schema"]


def test_a_document_faststream_generates_for_a_table_of_every_contract_passes(tmp_path):
    """What scripts/export_api.py will write once a service subscribes through ``handle_events``."""
    from datetime import date

    from faststream.specification import AsyncAPI

    from safeguard_shared.clock import FixedDateClock
    from safeguard_shared.contracts import all_contracts
    from safeguard_shared.service import ServiceRuntime, metadata_with_bus_tables
    from safeguard_shared.settings import ServiceSettings

    async def answer(event: Any, uow: Any) -> None:
        return None

    _, outbox, inbox = metadata_with_bus_tables()
    settings = ServiceSettings(service_name="reporting", data_dir=tmp_path, nats_url="nats://127.0.0.1:4250")
    runtime = ServiceRuntime(settings, outbox_table=outbox, inbox_table=inbox, migrations=tmp_path,
                             clock=FixedDateClock(date(2027, 1, 5)))
    runtime.handle_events({contract: [answer] for contract in all_contracts()})
    spec = AsyncAPI(runtime.bus.broker, title="safeguarding reporting", schema_version="3.0.0")
    doc = json.loads(spec.to_specification().to_json())
    assert asyncapi_problems(doc) == []
    assert len(doc["components"]["messages"]) == 4  # one durable consumer per producing service


# --- the committed documents -------------------------------------------------------------------------

def _problems_in(document: str, check: Callable[[dict[str, Any]], list[str]]) -> str:
    problems = check(json.loads((API / document).read_text()))
    return f"{document}: {len(problems)} problems:\n" + "\n".join(problems) if problems else ""


@pytest.mark.parametrize("service", SERVICES)
def test_every_message_a_service_consumes_is_documented_with_its_payload(service):
    # Mended by subscribing through runtime.handle_events, then running scripts/export_api.py.
    assert not _problems_in(f"{service}.asyncapi.json", asyncapi_problems)


@pytest.mark.parametrize("service", SERVICES)
def test_every_json_success_response_has_a_schema(service):
    # Mended by giving the route a response_model, then running scripts/export_api.py.
    assert not _problems_in(f"{service}.openapi.json", openapi_problems)
