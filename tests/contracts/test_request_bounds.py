"""Every request body a service takes is bounded in its documented schema (issue 12): every free-text
string (no enum, const, format or pattern) has a ``maxLength`` and every list a ``maxItems``, so that
no request can make an event too large for the broker. Walks the committed OpenAPI documents in
docs/api/, following ``$ref``s (regenerate with scripts/export_api.py)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["referrals", "scheduling", "notifications", "audits", "reporting"]
METHODS = ("post", "put", "patch", "delete")


def _unbounded(document: dict[str, Any], schema: dict[str, Any], where: str,
               seen: frozenset[str] = frozenset()) -> Iterator[str]:
    if "$defs" in schema:  # a pydantic schema embedded whole (openapi_extra): its "#/$defs/..." are its own
        document = {**document, "$defs": schema["$defs"]}
    ref = schema.get("$ref")
    if ref:
        if ref in seen:  # a recursive schema: its fields were walked the first time
            return
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        yield from _unbounded(document, target, f"{where} ({ref.rsplit('/', 1)[-1]})", seen | {ref})
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _unbounded(document, branch, where, seen)
    kind = schema.get("type")
    if kind == "string" and not {"enum", "const", "format", "pattern"} & schema.keys() \
            and "maxLength" not in schema:
        yield f"{where}: a string without maxLength"
    if kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: a list without maxItems"
        if isinstance(schema.get("items"), dict):
            yield from _unbounded(document, schema["items"], f"{where}[]", seen)
        for n, item in enumerate(schema.get("prefixItems", [])):
            yield from _unbounded(document, item, f"{where}[{n}]", seen)
    for name, sub in (schema.get("properties") or {}).items():
        yield from _unbounded(document, sub, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _unbounded(document, schema["additionalProperties"], f"{where}.*", seen)


def unbounded_fields(service: str) -> list[str]:
    document = json.loads((ROOT / "docs" / "api" / f"{service}.openapi.json").read_text())
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for media, body in (operation.get("requestBody") or {}).get("content", {}).items():
                found += _unbounded(document, body.get("schema", {}), f"{method.upper()} {path} {media} body")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_free_text_field_and_list_of_a_request_body_is_bounded(service):
    found = unbounded_fields(service)
    assert not found, f"{len(found)} unbounded in {service}:\n" + "\n".join(found)


def test_the_walk_finds_what_is_unbounded():
    document = {"components": {"schemas": {"Leaf": {"type": "object", "properties": {
        "note": {"type": "string"}, "code": {"type": "string", "enum": ["a"]},
        "on": {"type": "string", "format": "date"},
        "tags": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 9}},
        "more": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}}}}}
    found = list(_unbounded(document, {"$ref": "#/components/schemas/Leaf"}, "body"))
    assert found == ["body (Leaf).note: a string without maxLength", "body (Leaf).more: a list without maxItems",
                     "body (Leaf).more[]: a string without maxLength"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_id_in_a_query_string_is_bounded(service):
    """An id filter longer than an id is refused before it is read or recorded (the access log keeps
    ids in 36 characters: the fuzzer found GET /v1/actions?audit_id=<longer> answered 500)."""
    document = json.loads((ROOT / "docs" / "api" / f"{service}.openapi.json").read_text())
    unbounded = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") != "query" or not parameter["name"].endswith("_id"):
                    continue
                schema = parameter.get("schema", {})
                branches = [schema, *schema.get("anyOf", [])]
                if not any("maxLength" in b or "format" in b or "pattern" in b for b in branches):
                    unbounded.append(f"{method.upper()} {path} ?{parameter['name']}")
    assert not unbounded, "\n".join(unbounded)
