"""The workspace in front of the real referrals service (its own store, the test's NATS), both
in-process; the workspace reaches referrals through an ASGI transport instead of a socket."""
from __future__ import annotations

import re
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest

from safeguard_testing.apps import running

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def _not_running(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"{request.url.host} is not running in this test", request=request)


@asynccontextmanager
async def workspace_app(tmp_path, issuer, referrals_app, *, base_url: str = "http://127.0.0.1:8100",
                        scheduling_app=None, audits_app=None, reporting_app=None, clock=None):
    """The workspace in front of the real referrals app (and the real scheduling, audits and reporting
    apps, when given); without scheduling, a page that would show deadlines says they cannot be shown."""
    from workspace.bootstrap import bootstrap
    from workspace.config import load_settings

    # The local issuer of the issuer fixture is <tmp_path>/issuer: the workspace's data folder is tmp_path.
    assert issuer.directory == tmp_path / "issuer"
    settings = load_settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'workspace.sqlite3'}",
                             auth_public_key_file=issuer.public_key_file, referrals_url="http://referrals.test",
                             scheduling_url="http://scheduling.test", audits_url="http://audits.test",
                             reporting_url="http://reporting.test",
                             public_url=base_url)
    app = bootstrap(settings, clock=clock, referrals_transport=httpx.ASGITransport(app=referrals_app),
                    scheduling_transport=httpx.ASGITransport(app=scheduling_app) if scheduling_app
                    else httpx.MockTransport(_not_running),
                    audits_transport=httpx.ASGITransport(app=audits_app) if audits_app
                    else httpx.MockTransport(_not_running),
                    reporting_transport=httpx.ASGITransport(app=reporting_app) if reporting_app
                    else httpx.MockTransport(_not_running))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def stack(databases, nats_url, bus_namespace, tmp_path, issuer):
    """The referrals service (on SQLite and on PostgreSQL) and the workspace in front of it; a browser-like
    client of the workspace."""
    async with AsyncExitStack() as stack:
        services = await stack.enter_async_context(running(
            ["referrals"], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
            data_dir=tmp_path / "services", issuer=issuer))
        app = await stack.enter_async_context(workspace_app(tmp_path, issuer, services["referrals"].app))
        browser = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8100"))
        yield services, app, browser
