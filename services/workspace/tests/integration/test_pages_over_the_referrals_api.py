"""A police officer signs in locally, refers a child serious incident through the form, gets one
field wrong first and is told which, lands on the case's page and finds the case again by its
reference. The real referrals service answers every call; the workspace keeps no case data."""
from __future__ import annotations

import re

import httpx

from referrals.adapters.orm import access_log, cases
from safeguard_testing.apps import bearer, example_child_referral
from workspace.application.referral_form import referral_to_form

from ..conftest import csrf_of


async def sign_in(browser, name: str, agency: str, *roles: str) -> None:
    page = await browser.get("/sign-in/local")
    assert page.status_code == 200
    answer = await browser.post("/sign-in/local", data={"name": name, "agency": agency, "role": list(roles),
                                                        "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303, answer.text


def referral_form(**sections) -> dict[str, list[str]]:
    return referral_to_form(example_child_referral(**sections))


async def test_an_anonymous_visitor_is_sent_to_sign_in(stack):
    _, _, browser = stack
    first = await browser.get("/")
    assert first.status_code == 303 and first.headers["location"] == "/sign-in"
    second = await browser.get("/sign-in")
    assert second.status_code == 303 and second.headers["location"] == "/sign-in/local"
    form = await browser.get("/referrals/child/new")
    assert form.status_code == 303 and form.headers["location"].startswith("/sign-in?next=%2Freferrals")


async def test_the_local_sign_in_is_marked_as_local_and_says_what_is_missing(stack):
    _, _, browser = stack
    page = await browser.get("/sign-in/local")
    assert "Local sign-in" in page.text and "Anyone who can open this page can sign in as anyone" in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # on this machine only
    answer = await browser.post("/sign-in/local", data={"name": "", "agency": "", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 200
    assert "There is a problem" in answer.text
    for anchor, message in (("#name", "Enter your name"), ("#agency", "Select your agency"),
                            ("#role", "Select at least one role")):
        assert f'href="{anchor}"' in answer.text and message in answer.text


async def test_a_form_without_its_csrf_token_does_nothing(stack):
    services, _, browser = stack
    await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
    answer = await browser.post("/referrals/child", data=referral_form())
    assert answer.status_code == 400 and "This form has expired" in answer.text
    assert await services["referrals"].count(cases) == 0
    forged = await browser.post("/referrals/child", data={**referral_form(), "csrf_token": "forged"})
    assert forged.status_code == 400


async def test_a_police_referral_through_the_form_to_the_case_page_and_found_by_its_reference(stack):
    services, _, browser = stack
    await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
    page = await browser.get("/referrals/child/new")
    assert page.status_code == 200
    for name in ("referring_agency", "safeguarding_lead.name", "safeguarding_lead.agreed_on-day",
                 "received_on-year", "child.reference", "child.date_of_birth-month", "child.looked_after",
                 "child.care_leaver", "incident.occurred_on-day", "incident.became_aware_on-year",
                 "incident.outcome", "incident.abuse_or_neglect", "incident.summary", "involved_agencies"):
        assert f'name="{name}"' in page.text, name
    token = csrf_of(page.text)

    # One thing wrong: awareness before the incident. The API refuses; the page says so, against the field.
    wrong = referral_form(incident={"became_aware_on": "2026-12-18"})
    answer = await browser.post("/referrals/child", data={**wrong, "csrf_token": token})
    assert answer.status_code == 200
    assert "There is a problem" in answer.text
    assert 'href="#incident.became_aware_on-day"' in answer.text
    assert "cannot be before the date the incident happened" in answer.text
    assert 'value="18"' in answer.text, "what was typed is kept"
    assert await services["referrals"].count(cases) == 0

    # Put right, and sent: 303 to the case's page, which shows its reference, status and dates in words.
    answer = await browser.post("/referrals/child", data={**referral_form(), "csrf_token": token})
    assert answer.status_code == 303
    case_id = re.fullmatch(r"/cases/([0-9a-f-]{36})", answer.headers["location"]).group(1)
    (row,) = await services["referrals"].rows(cases)
    assert row["case_id"] == case_id and row["created_by"] == "police:pc-jo-bloggs"
    case_page = await browser.get(answer.headers["location"])
    assert case_page.status_code == 200
    assert f"Case {row['case_ref']}" in case_page.text
    assert "Referral sent" in case_page.text and "Child Safeguarding Practice Review Panel" in case_page.text
    assert "Rapid review" in case_page.text and "Monday 21 December 2026" in case_page.text
    again = await browser.get(answer.headers["location"])
    assert "Referral sent" not in again.text, "the confirmation is shown once"

    # Found by its reference (or part of it), with a link to its page.
    found = await browser.get("/cases", params={"q": row["case_ref"]})
    assert found.status_code == 200 and f'href="/cases/{case_id}"' in found.text
    part = await browser.get("/cases", params={"q": row["case_ref"][-4:].lower()})
    assert f'href="/cases/{case_id}"' in part.text


async def test_the_answers_are_checked_before_anything_is_sent_and_can_be_changed(stack):
    services, _, browser = stack
    await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
    form = await browser.get("/referrals/child/new")
    assert 'action="/referrals/child/check"' in form.text
    token = csrf_of(form.text)
    check = await browser.post("/referrals/child/check", data={**referral_form(), "csrf_token": token})
    assert check.status_code == 200 and "Check your answers before sending the referral" in check.text
    assert "19 December 2026" in check.text and "The child was seriously harmed" in check.text
    assert await services["referrals"].count(cases) == 0, "checking sends nothing"
    # Both buttons carry every answer: back to the form as typed, or on to the referrals API.
    assert check.text.count('name="incident.summary"') == 2
    back = await browser.post("/referrals/child/new", data={**referral_form(), "csrf_token": token})
    assert back.status_code == 200 and 'value="C-CANARY-1029"' in back.text
    # A date that is not a date is the form's own problem: said at once, before checking.
    bad = referral_form()
    bad["child.date_of_birth-month"] = ["13"]
    wrong = await browser.post("/referrals/child/check", data={**bad, "csrf_token": token})
    assert "Child&#39;s date of birth must be a real date" in wrong.text
    assert 'href="#child.date_of_birth-day"' in wrong.text


async def test_the_business_unit_sees_the_referral_and_each_read_is_recorded(stack):
    services, _, browser = stack
    await sign_in(browser, "Sam Officer", "police", "referrer")
    page = await browser.get("/referrals/child/new")
    sent = await browser.post("/referrals/child", data={**referral_form(), "csrf_token": csrf_of(page.text)})
    case_path = sent.headers["location"]
    home = await browser.get("/")
    await browser.post("/sign-out", data={"csrf_token": csrf_of(home.text)})
    assert (await browser.get("/")).status_code == 303, "signed out"

    await sign_in(browser, "Alex Manager", "partnership", "business_unit")
    case_page = await browser.get(case_path)
    assert "The referral" in case_page.text and "C-CANARY-1029" in case_page.text
    assert "Local authority (children&#39;s social care), Police, Integrated care board (ICB), School or education" \
        in case_page.text
    reads = await services["referrals"].rows(access_log)
    assert [r["subject"] for r in reads if r["operation"] == "case detail"] == ["partnership:alex-manager"]


async def test_signing_out_ends_the_session(stack):
    _, app, browser = stack
    await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
    home = await browser.get("/")
    assert home.status_code == 200 and "Sign out" in home.text
    cookie = browser.cookies.get(app.state.workspace.cookie_name)
    answer = await browser.post("/sign-out", data={"csrf_token": csrf_of(home.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/signed-out"
    # The old cookie opens nothing: the session is gone from the store, not only from the browser.
    replay = await browser.get("/", cookies={app.state.workspace.cookie_name: cookie})
    assert replay.status_code == 303


async def test_finding_cases_in_the_api_keeps_to_who_may_see_them(stack):
    services, _, _ = stack
    api = services["referrals"].client
    issuer = services["referrals"].settings.auth_public_key_file
    assert issuer
    from safeguard_shared.auth import LocalIssuer

    local = LocalIssuer(issuer.parent)
    police = await api.post("/v1/referrals/child", json=example_child_referral(),
                            headers=bearer(local, "police", "referrer"))
    school = await api.post("/v1/referrals/child", json=example_child_referral(referring_agency="school"),
                            headers=bearer(local, "school", "referrer"))
    police_ref, school_ref = police.json()["case_ref"], school.json()["case_ref"]

    def refs(answer):
        assert answer.status_code == 200, answer.text
        return {c["case_ref"] for c in answer.json()}

    async def search(q, agency, role):
        return await api.get("/v1/cases", params={"q": q}, headers=bearer(local, agency, role))

    assert refs(await search("RR-", "partnership", "business_unit")) == {police_ref, school_ref}
    assert refs(await search("rr-", "police", "referrer")) == {police_ref}
    assert refs(await search(school_ref, "police", "safeguarding_lead")) == set()
    assert refs(await search("%", "partnership", "business_unit")) == set(), "a wildcard is taken literally"
    assert (await search("RR-", "partnership", "qa_lead")).status_code == 403
    assert (await api.get("/v1/cases", params={"q": "RR-"})).status_code == 401
    assert (await api.get("/v1/cases", headers=bearer(local, "partnership", "business_unit"))).status_code == 422
    reads = await services["referrals"].rows(access_log)
    assert sorted(r["agency"] for r in reads) == ["partnership", "partnership", "police"]



async def test_a_service_that_does_not_answer_is_explained_not_crashed_on(tmp_path, issuer):
    from workspace.bootstrap import bootstrap
    from workspace.config import load_settings

    async def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    settings = load_settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.sqlite3'}",
                             auth_public_key_file=issuer.public_key_file, referrals_url="http://referrals.test")
    app = bootstrap(settings, referrals_transport=httpx.MockTransport(refuse))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8100") as browser:
        await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
        page = await browser.get("/cases", params={"q": "RR-"})
        assert page.status_code == 503 and "Sorry, there is a problem with the service" in page.text


async def test_the_same_referral_sent_twice_is_one_case_and_the_page_says_so(stack):
    """A double click, or the page sent again: the form's own key answers the same case. The same
    incident referred again on a fresh form is recognised as a likely duplicate: no second case, and the
    person is told which case it is."""
    services, _, browser = stack
    await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
    page = await browser.get("/referrals/child/new")
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page.text).group(1)
    form = {**referral_form(), "idempotency_key": key, "csrf_token": csrf_of(page.text)}
    first = await browser.post("/referrals/child", data=form)
    second = await browser.post("/referrals/child", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await services["referrals"].count(cases) == 1

    fresh = await browser.get("/referrals/child/new")
    again = await browser.post("/referrals/child", data={**referral_form(), "csrf_token": csrf_of(fresh.text),
                                                          "idempotency_key": re.search(
                                                              r'name="idempotency_key" value="([0-9a-f-]{36})"',
                                                              fresh.text).group(1)})
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    assert await services["referrals"].count(cases) == 1
    case_page = await browser.get(again.headers["location"])
    (row,) = await services["referrals"].rows(cases)
    assert f"This referral was already made: case {row['case_ref']}" in case_page.text
    assert "No second case was opened" in case_page.text
