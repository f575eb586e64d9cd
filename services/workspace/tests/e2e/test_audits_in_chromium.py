"""A multi-agency case file audit and its action plan in a real browser (Debian's Chromium through
Playwright), in front of the real referrals, scheduling and audits services on a real NATS:

the business unit plans an audit of children's cases with its audit tool, draws four cases at random
from the partnership's references (three first: too few, the API's rule on the field) and sends the
tool to the police and the local authority for each. The police's safeguarding lead finds the four
responses owed among the agency's work, opens one, reads the framework's rules for a response before
answering, answers an open question "Yes" and leaves the rest blank: the API refuses it, every broken
rule in the error summary linked to its question, the answers kept as typed. The lead puts it right
and submits it; the audit's page then counts it. The business unit adds two actions for the police;
a fortnight on, the one whose day has passed comes first, marked overdue, in the business unit's
action plans, and the police record its progress from their agency's work.

axe-core finds no serious or critical violation on any page; each page is photographed under
test-artifacts/workspace/. The response — the form with the rules — is answered again with JavaScript off.
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, bearer

from ..integration.test_audits_through_the_workspace import held_with_findings
from .test_pathways_in_chromium import sign_in_as, sign_out
from .test_referral_in_chromium import CHROMIUM, Pages, browser_page, fill_date, served_site

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: apt-get install -y chromium (CI's .ci/run does)")
POPULATION = ["CS-2026-0101", "CS-2026-0102", "CS-2026-0103", "CS-2026-0104", "CS-2026-0105", "CS-2026-0106"]
AGENCIES = ("Police", "Local authority (children's social care)")


@pytest.fixture
async def site(sqlite_databases, nats_url, bus_namespace, tmp_path, issuer):
    """Referrals, scheduling and audits on a real NATS, the workspace in front; one clock for all, on
    Monday 21 December 2026, which the test moves on to make an action overdue."""
    clock = FixedDateClock(EXAMPLE_DATE)
    async with served_site(["referrals", "scheduling", "audits"], sqlite_databases, nats_url, bus_namespace,
                           tmp_path, issuer, clock=clock) as (services, base):
        yield services, base, clock


async def plan_draw_and_send(page, base: str, pages: Pages) -> str:
    """The business unit, through pages only: the audit planned, its cases drawn, the tool sent."""
    await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
    await page.get_by_role("link", name="Multi-agency case file audits").click()
    await page.wait_for_url(base + "/audits")
    await pages.check(page, "audits")
    await page.get_by_role("button", name="Plan an audit").click()
    await page.wait_for_url(base + "/audits/new")
    await page.get_by_label("Theme", exact=True).fill("Neglect in adolescence")
    await page.get_by_label("Children", exact=True).check()
    await fill_date(page, "qa_meeting_on", "2027-03-01")
    await page.get_by_label("Theme lead (optional now)").fill("Sam Theme-Lead")
    await page.get_by_label("Scope (optional now)").fill("Children aged 12 to 17 known to two or more agencies.")
    await page.get_by_label("Question 1", exact=True).fill(
        "What do your records show about the child's lived experience?")
    await page.get_by_label("Question 2", exact=True).fill("Was the child seen alone?")
    await page.get_by_label("Question 2: kind").select_option("closed")
    await pages.check(page, "plan-audit")
    await page.get_by_role("button", name="Plan the audit").click()
    await page.wait_for_url(re.compile(re.escape(base) + r"/audits/[0-9a-f-]{36}$"))
    audit_url = page.url
    assert "Audit planned" in await page.locator(".govuk-notification-banner").inner_text()
    assert "Was the child seen alone?" in await page.locator("#questions").inner_text()
    await pages.check(page, "audit-planned")

    # Three references are too few to draw four from: the API's rule, on the field.
    population = page.get_by_label("The population: the partnership's case references")
    await population.fill("\n".join(POPULATION[:3]))
    await page.get_by_role("button", name="Draw four cases at random").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert "Enter at least 4 case references" in await summary.inner_text()
    await pages.check(page, "draw-with-error")
    await summary.get_by_role("link").first.click()
    assert await page.evaluate("document.activeElement.name") == "population"
    await population.fill("\n".join(POPULATION))
    await page.get_by_label("Seed (optional)").fill("2027")
    await page.get_by_role("button", name="Draw four cases at random").click()
    await page.wait_for_url(audit_url)
    sample = await page.locator("#sample").inner_text()
    drawn = [await cell.inner_text() for cell in await page.locator("#sample tbody tr td:nth-child(2)").all()]
    assert len(drawn) == 4 and set(drawn) <= set(POPULATION)
    assert "with seed 2027" in sample and "from 6 of 6 cases" in sample
    await pages.check(page, "cases-drawn")

    form = page.locator("#send-tool")
    for n, ref in enumerate(drawn, start=1):
        group = form.get_by_role("group", name=f"Case {n}, {ref}: which agencies were involved?")
        for agency in AGENCIES:
            await group.get_by_role("checkbox", name=agency, exact=True).check()
    await page.get_by_role("button", name="Send the audit tool").click()
    await page.wait_for_url(audit_url)
    assert "0 of 8 submitted" in await page.locator("#returns-summary").inner_text()
    return audit_url


async def answer_breaking_a_rule_then_put_right(page, base: str, pages: Pages, *, javascript: bool = True) -> None:
    """The police's safeguarding lead: from the agency's work to a submitted response."""
    await sign_in_as(page, base, "DS Kim Lead", "police", "Agency safeguarding lead")
    await page.get_by_role("link", name="Your agency's work").first.click()
    await page.wait_for_url(base + "/agency-work")
    owed = page.locator("#audit-responses tbody tr")
    assert await owed.count() == 4
    first = await owed.first.inner_text()
    assert "Neglect in adolescence" in first and "Monday 1 March 2027" in first
    await pages.check(page, "agency-work-with-audit-responses")
    await owed.first.get_by_role("link", name=re.compile("Respond for case")).click()
    await page.wait_for_url(re.compile(r".*/responses/[0-9a-f-]{36}$"))
    response_url = page.url
    rules = await page.locator("#response-rules").inner_text()
    assert "cannot be answered \u201cyes\u201d or \u201cno\u201d alone" in rules, "the rules come before submission"
    assert "no information available" in rules
    await pages.check(page, "audit-response")

    question_1 = page.get_by_label(re.compile("What do your records show"))
    await question_1.fill("Yes")
    await page.get_by_role("button", name="Submit the response").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    text = await summary.inner_text()
    assert "Question 1 is an open question: it cannot be answered 'yes' or 'no' alone" in text
    assert "Question 2 is blank" in text and "Give the evidence of the impact" in text
    assert await question_1.input_value() == "Yes", "kept as typed"
    await pages.check(page, "audit-response-refused")
    await summary.get_by_role("link", name=re.compile("Question 1")).click()
    if javascript:  # GOV.UK Frontend's error summary moves the focus to the field
        assert await page.evaluate("document.activeElement.name") == "answers.q1"
    else:
        assert page.url.endswith("#answers.q1")

    await question_1.fill("Seen alone at school weekly; disclosed neglect at home in March; referred the same day.")
    await page.get_by_label(re.compile("Was the child seen alone")).fill("Yes, on 4 of 6 visits.")
    await page.get_by_label("Evidence of the impact of your agency's interventions").fill(
        "A child protection plan followed within a week; school attendance rose from 61% to 92%.")
    await page.get_by_role("button", name="Submit the response").click()
    await page.wait_for_url(response_url)
    assert "Response submitted" in await page.locator(".govuk-notification-banner").inner_text()
    assert "Submitted" in await page.locator("#response-status").inner_text()
    await pages.check(page, "audit-response-submitted")
    await page.get_by_role("link", name="Back to your agency's work").click()
    await page.wait_for_url(base + "/agency-work")
    assert await page.locator("#audit-responses tbody tr").count() == 3


async def add_action(page, audit_url: str, description: str, due_on: str) -> None:
    await page.goto(audit_url)
    await page.get_by_text("Add an action").click()
    await page.get_by_label("The action", exact=True).fill(description)
    await page.locator("#add-action").get_by_label("Police", exact=True).check()
    await fill_date(page, "due_on", due_on)
    await page.get_by_role("button", name="Add the action").click()
    await page.wait_for_url(audit_url)
    assert "Action added" in await page.locator(".govuk-notification-banner").inner_text()


async def test_an_audit_is_planned_drawn_answered_and_its_action_updated_through_pages(site, issuer):
    services, base, clock = site
    pages = Pages("audits")
    async with browser_page(pages=pages) as page:
        audit_url = await plan_draw_and_send(page, base, pages)
        await sign_out(page, base)
        await answer_breaking_a_rule_then_put_right(page, base, pages)
        await sign_out(page, base)

        await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
        await page.goto(audit_url)
        returns = await page.locator("#returns-summary").inner_text()
        assert "1 of 8 submitted" in returns and "Outstanding: Local authority" in returns
        # The audit session held and its findings recorded (over the API): the action plan addresses them.
        await held_with_findings(services, issuer, audit_url.rsplit("/", 1)[1])
        await add_action(page, audit_url, "Refresh the guidance on seeing adolescents alone", "2027-02-01")
        await add_action(page, audit_url, "Brief response officers on neglect indicators", "2026-12-23")
        await pages.check(page, "audit-with-actions")
        await sign_out(page, base)

        clock.business_date = date(2027, 1, 4)  # a fortnight on: the briefing's day has passed
        await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
        await page.get_by_role("link", name="Action plans").first.click()
        await page.wait_for_url(base + "/actions")
        rows = page.locator("#actions tbody tr")
        first = await rows.first.inner_text()
        assert "Brief response officers" in first and "Overdue" in first, "the overdue action first"
        assert "Overdue" not in await rows.nth(1).inner_text()
        await pages.check(page, "action-plans")
        await sign_out(page, base)

        await sign_in_as(page, base, "DS Kim Lead", "police", "Agency safeguarding lead")
        await page.get_by_role("link", name="Your agency's work").first.click()
        actions = page.locator("#agency-actions tbody tr")
        assert "Overdue" in await actions.first.inner_text()
        await actions.first.get_by_role("link").click()
        await page.wait_for_url(re.compile(r".*/actions/[0-9a-f-]{36}$"))
        await page.get_by_role("button", name="Record progress").click()
        summary = page.locator(".govuk-error-summary")
        await summary.wait_for()
        assert "Enter what has been done towards the action" in await summary.inner_text()
        await pages.check(page, "action-with-error")
        await page.get_by_label("What has been done").fill("Briefing written; sessions booked for 11 and 18 January.")
        await page.get_by_role("button", name="Record progress").click()
        await page.wait_for_url(re.compile(r".*/actions/[0-9a-f-]{36}$"))
        assert "Progress recorded" in await page.locator(".govuk-notification-banner").inner_text()
        assert "sessions booked for 11 and 18 January" in await page.locator("#progress").inner_text()
        await pages.check(page, "action-progress-recorded")

    # The audits service holds the response and the progress, and counted what the business unit saw.
    audit_id = audit_url.rsplit("/", 1)[1]
    audit = (await services["audits"].client.get(f"/v1/audits/{audit_id}",
                                                  headers=bearer(issuer, "partnership", "qa_lead"))).json()
    assert audit["responses"]["police"] == {"submitted": 1, "not_started": 3}


async def test_the_audit_response_works_with_javascript_switched_off(site, issuer):
    services, base, _clock = site
    qa = bearer(issuer, "partnership", "qa_lead")
    client = services["audits"].client
    planned = (await client.post("/v1/audits", headers=qa, json={
        "theme": "Neglect in adolescence", "kind": "children", "qa_meeting_on": "2027-03-01",
        "theme_lead": "Sam", "scope": "Teenagers",
        "questions": [{"id": "q1", "text": "What do your records show about the child?", "kind": "open"},
                      {"id": "q2", "text": "Was the child seen alone?", "kind": "closed"}]})).json()
    await client.post(f"/v1/audits/{planned['audit_id']}/sample", headers=qa, json={"population": POPULATION})
    drawn = (await client.get(f"/v1/audits/{planned['audit_id']}/sample", headers=qa)).json()["cases"]
    sent = await client.post(f"/v1/audits/{planned['audit_id']}/tool", headers=qa, json={
        "involved_agencies": {ref: ["police", "local_authority"] for ref in drawn}})
    assert sent.status_code == 200, sent.text
    async with browser_page(javascript=False) as page:
        await answer_breaking_a_rule_then_put_right(page, base, Pages("audits-javascript-off", axe=False),
                                                    javascript=False)
