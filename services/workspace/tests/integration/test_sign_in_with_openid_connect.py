"""Signing in with the partnership's identity provider: OpenID Connect's authorisation code flow
with PKCE, against a provider built from Authlib's own server components (tests/oidc_provider.py).
The person's agency and roles come from the configured claims; the access token the provider issues
is the one the workspace then sends to the referrals service, which accepts it."""
from __future__ import annotations

from contextlib import AsyncExitStack
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from referrals.adapters.orm import cases
from safeguard_testing.apps import example_child_referral, running
from workspace.application.referral_form import referral_to_form

from ..conftest import csrf_of
from ..oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

IDP = "http://idp.test"
WORKSPACE = "http://127.0.0.1:8100"


@pytest.fixture
async def oidc_stack(sqlite_databases, nats_url, bus_namespace, tmp_path, issuer, monkeypatch):
    from workspace.bootstrap import bootstrap
    from workspace.config import load_settings

    # Everything here is in-process over plain http; in production the issuer must be https.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    provider = Provider(IDP, f"{WORKSPACE}/sign-in/oidc/callback", issuer.private_key_file.read_bytes())
    idp_transport = httpx.ASGITransport(app=provider.app())
    async with AsyncExitStack() as stack:
        services = await stack.enter_async_context(running(
            ["referrals"], databases=sqlite_databases, nats_url=nats_url, bus_namespace=bus_namespace,
            data_dir=tmp_path / "services", issuer=issuer))
        settings = load_settings(
            data_dir=tmp_path / "workspace", database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.sqlite3'}",
            referrals_url="http://referrals.test", public_url=WORKSPACE, local_sign_in=False,
            oidc_issuer=IDP, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET)
        app = bootstrap(settings, referrals_transport=httpx.ASGITransport(app=services["referrals"].app),
                        oidc_transport=idp_transport)
        await stack.enter_async_context(app.router.lifespan_context(app))
        browser = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=WORKSPACE))
        idp = await stack.enter_async_context(httpx.AsyncClient(transport=idp_transport, base_url=IDP))
        yield services, provider, browser, idp


async def to_the_provider(browser) -> str:
    first = await browser.get("/")
    assert first.headers["location"] == "/sign-in"
    second = await browser.get("/sign-in")
    assert second.status_code == 303 and second.headers["location"] == "/sign-in/oidc"
    third = await browser.get("/sign-in/oidc")
    assert third.status_code == 303
    return third.headers["location"]


async def test_a_police_officer_signs_in_with_the_partnerships_provider_and_refers_a_child(oidc_stack):
    services, provider, browser, idp = oidc_stack
    authorize = await to_the_provider(browser)
    url = urlsplit(authorize)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{IDP}/authorize"
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["nonce"] and params["state"] and "openid" in params["scope"].split()
    assert params["redirect_uri"] == f"{WORKSPACE}/sign-in/oidc/callback"

    provider.next_user = {"sub": "entra-0042", "name": "Sam Officer", "agency": "police", "roles": ["referrer"]}
    back = await idp.get(authorize)
    assert back.status_code == 302, back.text
    callback = back.headers["location"]
    assert callback.startswith(f"{WORKSPACE}/sign-in/oidc/callback?code=")
    signed_in = await browser.get(callback)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/", signed_in.text[-1500:]
    home = await browser.get("/")
    assert "Signed in as Sam Officer, Police" in home.text

    # The code was used once: the same answer again signs nobody in.
    replay = await browser.get(callback)
    assert replay.status_code == 400

    # The provider's access token is what the referrals service now sees.
    form = await browser.get("/referrals/child/new")
    sent = await browser.post("/referrals/child", data={**referral_to_form(example_child_referral()),
                                                        "csrf_token": csrf_of(form.text)})
    assert sent.status_code == 303
    (row,) = await services["referrals"].rows(cases)
    assert row["created_by"] == "entra-0042"


async def test_an_answer_to_a_sign_in_this_browser_did_not_start_is_refused(oidc_stack):
    _, provider, browser, idp = oidc_stack
    authorize = await to_the_provider(browser)
    provider.next_user = {"sub": "entra-0042", "name": "Sam Officer", "agency": "police", "roles": ["referrer"]}
    callback = (await idp.get(authorize)).headers["location"]
    forged = callback.split("&state=")[0] + "&state=someone-elses"
    answer = await browser.get(forged)
    assert answer.status_code == 400 and "was not started here" in answer.text
    assert (await browser.get("/")).status_code == 303, "still signed out"


async def test_an_account_without_a_role_here_is_told_so(oidc_stack):
    _, provider, browser, idp = oidc_stack
    authorize = await to_the_provider(browser)
    provider.next_user = {"sub": "entra-0099", "name": "Visitor", "agency": "police", "roles": ["something_else"]}
    callback = (await idp.get(authorize)).headers["location"]
    answer = await browser.get(callback)
    assert answer.status_code == 403 and "Your account has no role in this system" in answer.text
    assert (await browser.get("/")).status_code == 303
