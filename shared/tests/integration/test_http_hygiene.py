"""Every service's HTTP answers carry the security headers, keep the API docs off CDNs, keep
``/metrics`` to Prometheus and refuse NUL characters: run on real services' apps."""
from __future__ import annotations

import json

import httpx
import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, bearer, build, migrated, settings_for

TWO_SERVICES = ["scheduling", "reporting"]
EVERY_SERVICE = ["referrals", "scheduling", "notifications", "audits", "reporting"]


def _assert_secured(response: httpx.Response) -> None:
    h = response.headers
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"


@pytest.fixture(params=TWO_SERVICES)
async def service(request, sqlite_databases, tmp_path, issuer):
    async with migrated(request.param, database_url=await sqlite_databases.anew(request.param), data_dir=tmp_path,
                        issuer=issuer) as running:
        yield running


async def test_security_headers_on_an_answer_an_error_and_health(service, issuer):
    reader = bearer(issuer, "partnership", "business_unit")
    path = "/v1/rules" if service.name == "scheduling" else "/v1/reports/cases"
    answer = await service.client.get(path, headers=reader)
    refused = await service.client.get(path)
    missing = await service.client.get("/v1/no-such-thing", headers=reader)
    health = await service.client.get("/health")
    assert (answer.status_code, refused.status_code, missing.status_code) == (200, 401, 404)
    for response in (answer, refused, missing, health):
        _assert_secured(response)
    for response in (answer, refused, missing):
        assert response.headers["cache-control"] == "no-store"


async def test_a_malformed_request_is_refused_with_the_headers(service, issuer):
    bu = bearer(issuer, "partnership", "business_unit")
    path = "/v1/calendar/add-working-days?start=0001-01-01&days=1" if service.name == "scheduling" \
        else "/v1/reports/cases?year=not-a-year"
    bad = await service.client.get(path, headers=bu)
    assert bad.status_code == 422
    _assert_secured(bad)
    assert bad.headers["cache-control"] == "no-store"


async def test_an_unhandled_error_is_a_500_with_the_headers(service):
    async def boom() -> None:
        raise RuntimeError("a defect")

    service.app.add_api_route("/v1/boom", boom)
    transport = httpx.ASGITransport(app=service.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
        failed = await client.get("/v1/boom")
    assert failed.status_code == 500 and failed.json() == {"detail": "Internal Server Error"}
    _assert_secured(failed)
    assert failed.headers["cache-control"] == "no-store"


async def test_the_api_docs_load_nothing_from_a_cdn_and_the_openapi_document_stays(service):
    for page in ("/docs", "/redoc"):
        response = await service.client.get(page)
        assert response.status_code == 404 or "cdn" not in response.text.lower(), page
    document = await service.client.get("/openapi.json")
    assert document.status_code == 200 and document.json()["openapi"].startswith("3.")


@pytest.mark.parametrize("name", EVERY_SERVICE)
async def test_no_service_serves_docs_pages_from_a_cdn(name, sqlite_databases, tmp_path, issuer):
    async with migrated(name, database_url=await sqlite_databases.at_head(name), data_dir=tmp_path,
                        issuer=issuer) as running:
        for page in ("/docs", "/redoc"):
            response = await running.client.get(page)
            assert response.status_code == 404 or "cdn" not in response.text.lower(), (name, page)
        _assert_secured(await running.client.get("/livez"))


def _client(app, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url="http://svc.test")


async def test_without_a_metrics_token_only_this_machine_reads_metrics(service):
    async with _client(service.app, "127.0.0.1") as local, _client(service.app, "10.1.2.3") as remote:
        assert (await local.get("/metrics")).status_code == 200
        elsewhere = await remote.get("/metrics")
        assert elsewhere.status_code == 403 and "SAFEGUARD_METRICS_TOKEN" in elsewhere.json()["detail"]
        assert (await remote.get("/livez")).status_code == 200


@pytest.mark.parametrize("name", TWO_SERVICES)
async def test_with_a_metrics_token_metrics_need_it_from_anywhere(name, sqlite_databases, tmp_path, issuer):
    settings = settings_for(name, database_url=await sqlite_databases.anew(name), nats_url="nats://127.0.0.1:1",
                            bus_namespace="unused", data_dir=tmp_path / name, issuer=issuer,
                            metrics_token="s3cret-scrape-token-0123456789")
    app = build(name, settings, FixedDateClock(EXAMPLE_DATE))
    user_token = bearer(issuer, "partnership", "admin")
    try:
        async with _client(app, "127.0.0.1") as local, _client(app, "10.1.2.3") as remote:
            assert (await local.get("/metrics")).status_code == 401
            assert (await remote.get("/metrics")).status_code == 401
            wrong = await remote.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token-012345678"})
            assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
            assert (await remote.get("/metrics", headers=user_token)).status_code == 401
            right = await remote.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token-0123456789"})
            assert right.status_code == 200 and "python_info" in right.text
            _assert_secured(right)
    finally:
        await app.state.runtime.engine.dispose()


async def test_a_nul_character_anywhere_in_a_json_body_is_refused_naming_the_field(sqlite_databases, tmp_path, issuer):
    async with migrated("audits", database_url=await sqlite_databases.at_head("audits"), data_dir=tmp_path,
                        issuer=issuer) as audits:
        qa = bearer(issuer, "partnership", "qa_lead")
        body = {"theme": "Neglect\u0000 in adolescence", "kind": "children", "qa_meeting_on": "2027-03-31"}
        refused = await audits.client.post("/v1/audits", headers=qa, json=body)
        assert refused.status_code == 422
        assert refused.json()["detail"] == [{"loc": ["body", "theme"], "msg": "must not contain a NUL character",
                                             "type": "string_nul"}]
        _assert_secured(refused)
        assert (await audits.client.get("/v1/audits", headers=qa)).json() == [], "nothing was planned"
        nested = await audits.client.post("/v1/audits", headers=qa, json={**body, "theme": "Neglect",
                                                                          "extra": [{"ok": "x", "bad\u0000": 1}]})
        assert nested.status_code == 422 and nested.json()["detail"][0]["loc"] == ["body", "extra", 0, "bad\\u0000"]
        untyped = await audits.client.post("/v1/audits", headers=qa, content=json.dumps(body).encode())
        assert untyped.status_code == 422 and untyped.json()["detail"][0]["loc"] == ["body", "theme"]
        planned = await audits.client.post("/v1/audits", headers=qa, json={**body, "theme": "Neglect"})
        assert planned.status_code == 201, "a body without NUL is untouched"


async def test_a_body_over_the_limit_is_a_413_and_a_csv_file_has_a_larger_one(sqlite_databases, tmp_path, issuer):
    async with migrated("audits", database_url=await sqlite_databases.at_head("audits"), data_dir=tmp_path,
                        issuer=issuer) as audits:
        qa = bearer(issuer, "partnership", "qa_lead")
        body = {"theme": "Neglect", "kind": "children", "qa_meeting_on": "2027-03-31"}
        padded = json.dumps({**body, "padding": "x" * (1024 * 1024)}).encode()
        refused = await audits.client.post("/v1/audits", headers={**qa, "content-type": "application/json"},
                                           content=padded)
        assert refused.status_code == 413
        assert refused.json() == {"detail": "The request body is larger than the limit of 1048576 bytes."}
        _assert_secured(refused)

        async def streamed():
            for start in range(0, len(padded), 65536):
                yield padded[start:start + 65536]

        chunked = await audits.client.post("/v1/audits", headers={**qa, "content-type": "application/json"},
                                           content=streamed())
        assert chunked.status_code == 413
        assert (await audits.client.get("/v1/audits", headers=qa)).json() == [], "nothing was planned"
        audit = await audits.client.post("/v1/audits", headers=qa, json=body)
        assert audit.status_code == 201, audit.text
        rows = "".join(f"CASE-{n:06d},police\n" for n in range(80_000))  # about 1.6 MB of population
        sample = await audits.client.post(f"/v1/audits/{audit.json()['audit_id']}/sample",
                                          headers={**qa, "content-type": "text/csv"},
                                          content=("reference,agency\n" + rows).encode())
        assert sample.status_code == 201, sample.text[:300]  # a CSV population has the larger limit (16 MiB)
        assert sample.json()["population_size"] == 80_000
