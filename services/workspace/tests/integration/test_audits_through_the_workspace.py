"""Case file audits and action plans through the workspace's pages, in front of the real audits
service (SQLite and PostgreSQL, a real NATS), at the level of HTTP: the business unit plans an audit
(a QA meeting already past is the API's own error, on its field), draws four cases (three are too few)
and sends the audit tool; the police's response breaks the framework's rules, is refused with every
rule named against its question and kept as typed, then put right and submitted; an action is added,
and the police record its progress. Whoever the audits service refuses gets the "refused" page."""
from __future__ import annotations

from contextlib import AsyncExitStack

import httpx
import pytest

from audits.adapters.orm import action_updates, audits, responses
from safeguard_testing.apps import bearer, running

from ..conftest import csrf_of, workspace_app
from .test_pages_over_the_referrals_api import sign_in

POPULATION = "AUD-1001\nAUD-1002\nAUD-1003\nAUD-1004\nAUD-1005"
PLAN = {"theme": ["Neglect in adolescence"], "kind": ["children"], "theme_lead": ["Sam Theme-Lead"],
        "scope": ["Children aged 12 to 17 known to two or more agencies"],
        "questions.0.text": ["What do your records show about the child's lived experience?"],
        "questions.0.kind": ["open"],
        "questions.1.text": ["Was the child seen alone?"], "questions.1.kind": ["closed"]}


@pytest.fixture
async def audit_stack(databases, nats_url, bus_namespace, tmp_path, issuer):
    async with AsyncExitStack() as stack:
        services = await stack.enter_async_context(running(
            ["referrals", "audits"], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
            data_dir=tmp_path / "services", issuer=issuer))
        app = await stack.enter_async_context(workspace_app(tmp_path, issuer, services["referrals"].app,
                                                            audits_app=services["audits"].app))
        browser = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8100"))
        yield services, browser


async def post_form(browser, page_path: str, path: str, form: dict) -> httpx.Response:
    page = await browser.get(page_path)
    assert page.status_code == 200, page.text
    return await browser.post(path, data={**form, "csrf_token": csrf_of(page.text)})


async def planned_and_sent(services, browser) -> str:
    """The business unit plans an audit, draws its cases and sends the tool: the police in every case."""
    await sign_in(browser, "Alex Manager", "partnership", "business_unit")
    planned = await post_form(browser, "/audits/new", "/audits", {**PLAN, "qa_meeting_on-day": ["1"],
                                                                  "qa_meeting_on-month": ["3"],
                                                                  "qa_meeting_on-year": ["2027"]})
    assert planned.status_code == 303, planned.text
    audit_path = planned.headers["location"]
    drawn = await post_form(browser, audit_path, f"{audit_path}/sample", {"population": [POPULATION], "seed": ["7"]})
    assert drawn.status_code == 303, drawn.text
    page = await browser.get(audit_path)
    assert "Four cases drawn at random" in page.text and "with seed 7" in page.text
    cases = [ref for ref in POPULATION.split() if ref in page.text]
    assert len(cases) == 4
    agencies = {f"involved_agencies.{ref}": ["police", "local_authority"] for ref in cases}
    sent = await post_form(browser, audit_path, f"{audit_path}/tool", agencies)
    assert sent.status_code == 303, sent.text
    page = await browser.get(audit_path)
    assert "0 of 8 submitted" in page.text and "Outstanding: Local authority" in page.text
    return audit_path


async def held_with_findings(services, issuer, audit_id: str, on: str = "2026-12-21") -> None:
    """The audit session (its invitations, attendance) and its findings, over the API: actions address
    the findings, so none can be added before them."""
    qa = bearer(issuer, "partnership", "qa_lead")
    client = services["audits"].client
    for path, body in (
            ("invitations", {"held_on": on, "programme": [{"starts_at": "09:30", "ends_at": "12:30",
                                                           "item": "Case discussions"}],
                             "invitees": [{"agency": "police", "role": "auditor", "required_from": "09:30",
                                           "required_until": "12:30"}]}),
            ("attendance", {"held_on": on, "attended": [{"agency": "police", "role": "auditor"}]}),
            ("findings", {"findings": ["Children were rarely seen alone"], "recommendations": []})):
        answer = await client.post(f"/v1/audits/{audit_id}/{path}", headers=qa, json=body)
        assert answer.status_code == 200, answer.text


async def test_a_plan_without_its_csrf_token_changes_nothing_and_the_apis_error_lands_on_its_field(audit_stack):
    services, browser = audit_stack
    await sign_in(browser, "Alex Manager", "partnership", "business_unit")
    refused = await browser.post("/audits", data=PLAN)
    assert refused.status_code == 400 and "This form has expired" in refused.text
    past = await post_form(browser, "/audits/new", "/audits", {**PLAN, "qa_meeting_on": ["2026-12-01"]})
    assert past.status_code == 422 and "There is a problem" in past.text
    assert 'href="#qa_meeting_on-day"' in past.text and "on or after today" in past.text
    assert "Was the child seen alone?" in past.text, "kept as typed"
    assert await services["audits"].count(audits) == 0


async def test_an_agencys_response_breaking_the_rules_is_refused_on_its_fields_then_put_right(audit_stack, issuer):
    services, browser = audit_stack
    audit_path = await planned_and_sent(services, browser)
    police = bearer(issuer, "police", "safeguarding_lead")
    owed = (await services["audits"].client.get("/v1/responses", headers=police)).json()
    assert len(owed) == 4
    response_path = f"{audit_path}/responses/{owed[0]['response_id']}"

    await sign_in(browser, "DS Kim Lead", "police", "safeguarding_lead")
    assert (await browser.get(audit_path)).status_code == 403, "the audit itself is the QA sub-group's"
    form = await browser.get(response_path)
    assert "An open question cannot be answered" in form.text and 'name="answers.q1"' in form.text
    broken = await browser.post(response_path, data={"answers.q1": ["Yes"], "answers.q2": [""],
                                                     "intent": ["submit"], "csrf_token": csrf_of(form.text)})
    assert broken.status_code == 422
    assert 'href="#answers.q1"' in broken.text and "Question 1 is an open question" in broken.text
    assert 'href="#answers.q2"' in broken.text and "Question 2 is blank" in broken.text
    assert 'href="#impact_evidence"' in broken.text
    assert {r["status"] for r in await services["audits"].rows(responses)} == {"not_started"}, "nothing kept"

    put_right = await browser.post(response_path, data={
        "answers.q1": ["Seen at school weekly; disclosed neglect at home in March."], "answers.q2": ["Yes"],
        "impact_evidence": ["A child protection plan followed; school attendance rose to 92%."],
        "intent": ["submit"], "csrf_token": csrf_of(broken.text)})
    assert put_right.status_code == 303
    done = await browser.get(put_right.headers["location"])
    assert "Response submitted" in done.text and "Submitted" in done.text
    assert sorted(r["status"] for r in await services["audits"].rows(responses)).count("submitted") == 1


async def test_an_action_is_added_by_the_business_unit_and_its_progress_recorded_by_its_agency(audit_stack, issuer):
    services, browser = audit_stack
    audit_path = await planned_and_sent(services, browser)
    assert "Actions are added once the audit's findings are recorded" in (await browser.get(audit_path)).text
    await held_with_findings(services, issuer, audit_path.rsplit("/", 1)[1])
    added = await post_form(browser, audit_path, f"{audit_path}/actions", {
        "description": ["Brief response officers on seeing the child alone"], "owning_agency": ["police"],
        "due_on-day": ["1"], "due_on-month": ["2"], "due_on-year": ["2027"]})
    assert added.status_code == 303, added.text
    listed = await browser.get("/actions")
    action_path = next(part.split('"')[0] for part in listed.text.split('href="')[1:] if part.startswith("/actions/"))

    await sign_in(browser, "DS Kim Lead", "police", "safeguarding_lead")
    empty = await post_form(browser, action_path, f"{action_path}/progress", {"note": [""]})
    assert empty.status_code == 422 and 'href="#note"' in empty.text
    recorded = await post_form(browser, action_path, f"{action_path}/progress",
                               {"note": ["Briefing written; first session booked."]})
    assert recorded.status_code == 303
    page = await browser.get(action_path)
    assert "Progress recorded" in page.text and "Briefing written; first session booked." in page.text
    assert len(await services["audits"].rows(action_updates)) == 1

    await sign_in(browser, "Pat Housing", "housing", "safeguarding_lead")
    assert (await browser.get(action_path)).status_code == 404, "another agency's action is not shown"
    assert "Brief response officers" not in (await browser.get("/actions")).text
