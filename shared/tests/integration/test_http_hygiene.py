"""Every service's HTTP answers carry the security headers, keep the API docs off CDNs and keep
``/metrics`` to Prometheus: run on two real services' apps (scheduling and reporting)."""
from __future__ import annotations

import httpx
import pytest

from safeguard_testing.apps import bearer, migrated

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
    async with migrated(name, database_url=await sqlite_databases.anew(name), data_dir=tmp_path,
                        issuer=issuer) as running:
        for page in ("/docs", "/redoc"):
            response = await running.client.get(page)
            assert response.status_code == 404 or "cdn" not in response.text.lower(), (name, page)
        _assert_secured(await running.client.get("/livez"))
