"""The pages after the referral, in a real browser (Debian's Chromium through Playwright) in front
of the real referrals and scheduling services on a real NATS:

- a safeguarding adult review from its referral to its learning event: an ICB referrer asks for a
  SAR without its authorisation; it comes back at once, returned, with the reasons; the referrer
  finds it again among the agency's referrals, puts it right (one date wrong first, named in the
  error summary) and sends it again. The business unit screens it, the independent chair signs it
  off for scoping, the business unit records the scoping's review and the sub-group's decision to
  convene, and the chair agrees it, which commissions it (its timetable then on the case's page).
  The business unit runs the review — the family told, the reviewers, the initial meeting, the IMRs
  asked for, a panel meeting — the ICB sends its IMR from its own form with its document (first by
  a manager who is not independent of the case, which the API refuses against the field), and the
  business unit takes it on: the draft, the committee, the board's sign-off (a summary), the report
  shared with the family, publication with a recommendation, the learning event, the findings;
- the sub-group recommends not convening a SAR (with what is done instead) and the independent
  chair reviews it: on a referral meeting the Care Act s44 mandatory criteria the API asks for the
  chair's reason, against its field; confirmed, the SAR is not convened;
- the business unit's worklist puts the case with an overdue duty first, in words and dates as
  people write them;
- the business unit opens a child's case, sees where it stands and what is due, and takes the
  rapid review's steps from their forms — scoping and the meeting booked, the meeting moved,
  attendance, the meeting held (its reason asked for by the API and shown against the field), the
  decision, the Panel's response, and the CSPR from its reviewers to publication (published not in
  full, whose reasons the API asks for) — each step then in the case's history.

On every page axe-core must find no serious or critical violation; each page is photographed under
test-artifacts/workspace/, axe's figures in axe.json. The adult referral is also walked with JavaScript off.
"""
from __future__ import annotations

import asyncio
import re

import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, bearer, example_child_referral
from workspace.application.words import date_in_words

from ..integration.test_sar_forms_over_the_api import commissioned, scoping_reviewed
from .test_referral_in_chromium import CHROMIUM, Pages, browser_page, fill_date, served_site

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: apt-get install -y chromium (CI's .ci/run does)")
CASE_URL = r"/cases/[0-9a-f-]{36}$"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
async def site(sqlite_databases, nats_url, bus_namespace, tmp_path, issuer):
    """Referrals and scheduling on a real NATS, and the workspace over real HTTP in front of both;
    every clock on Monday 21 December 2026."""
    async with served_site(["referrals", "scheduling"], sqlite_databases, nats_url, bus_namespace, tmp_path,
                           issuer, clock=FixedDateClock(EXAMPLE_DATE)) as served:
        yield served


async def sign_in_as(page, base: str, name: str, agency: str, role: str) -> None:
    await page.goto(base + "/sign-in/local")
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("Your agency").select_option(agency)
    await page.get_by_label(role, exact=True).check()
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(base + "/")


async def sign_out(page, base: str) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(base + "/signed-out")


async def fill_adult_referral(page, *, authorised: bool) -> None:
    if authorised:
        await page.get_by_label("Name of the person who authorised this referral").fill("B. Manager")
        await page.get_by_label("Senior manager").check()
        await fill_date(page, "authorised_by.authorised_on", "2026-12-21")
    await page.get_by_label("Your reference for the adult").fill("A-311")
    await fill_date(page, "adult.date_of_birth", "1948-09-12")
    await page.locator('[name="criteria.died"][value="true"]').check()
    await page.get_by_label("Suspected", exact=True).check()
    await page.locator('[name="criteria.concern_agencies_could_have_worked_better"][value="true"]').check()
    await page.get_by_label("Summary of the concerns").fill("Died after a fall at home; neglect suspected.")
    for agency in ("Adult social care", "Integrated care board (ICB)", "Housing"):
        await page.get_by_role("checkbox", name=agency, exact=True).check()


async def send_checked(page, base: str, pages: Pages, name: str, button: str = "Send referral") -> None:
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(base + "/referrals/adult/check")
    await pages.check(page, name)
    await page.get_by_role("button", name=button).click()


async def walk_the_adult_referral(page, base: str, pages: Pages) -> str:
    await sign_in_as(page, base, "Dr Ana Reyes", "icb", "Referrer (agency staff)")
    await page.get_by_role("link", name="Refer an adult for a safeguarding adult review").click()
    await page.wait_for_url(base + "/referrals/adult/new")
    await pages.check(page, "adult-referral-form")

    # Sent without its authorisation: not refused, returned at once with the reason, linked to the field.
    await fill_adult_referral(page, authorised=False)
    await send_checked(page, base, pages, "adult-check-your-answers")
    await page.wait_for_url(base + "/referrals/adult")
    banner = page.locator(".govuk-notification-banner")
    assert "was returned" in await banner.inner_text()
    reason = banner.get_by_role("link", name=re.compile("must be authorised by the agency's safeguarding lead"))
    assert await reason.count() == 1
    case_ref = re.search(r"SAR-\d{4}-\w+", await banner.inner_text()).group(0)
    assert await page.locator('[name="adult.reference"]').input_value() == "A-311", "what was typed is kept"
    await pages.check(page, "adult-referral-returned")

    # Later, from the agency's referrals: returned, with the way to put it right.
    await page.get_by_role("link", name="Your agency's referrals").first.click()
    await page.wait_for_url(base + "/referrals")
    row = page.locator("#referrals tr", has_text=case_ref)
    assert "Returned to the referrer" in await row.inner_text()
    await pages.check(page, "my-agency-referrals")
    await row.get_by_role("link", name=re.compile("Put right and send again")).click()
    await page.wait_for_url(re.compile(re.escape(base) + r"/referrals/adult/[0-9a-f-]{36}/resubmission$"))
    assert "must be authorised" in await page.locator("#return-reasons").inner_text()
    await pages.check(page, "adult-referral-to-put-right")

    # Put right, with one date wrong first: the API's 422 lands on the field.
    await fill_adult_referral(page, authorised=True)
    await fill_date(page, "authorised_by.authorised_on", "2027-01-05")
    await send_checked(page, base, pages, "adult-check-corrected", "Send the corrected referral")
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    link = summary.get_by_role("link")
    assert "Date they authorised it cannot be in the future" in await link.inner_text()
    await pages.check(page, "adult-referral-with-error")
    await link.click()
    assert await page.evaluate("document.activeElement.name") == "authorised_by.authorised_on-day"
    await fill_date(page, "authorised_by.authorised_on", "2026-12-21")
    await send_checked(page, base, pages, "adult-check-corrected-again", "Send the corrected referral")
    await page.wait_for_url(re.compile(re.escape(base) + CASE_URL))
    assert f"Referral sent again. The case reference is {case_ref}" in \
        await page.locator(".govuk-notification-banner").inner_text()
    assert await page.locator("h1").inner_text() == f"Case {case_ref}"
    assert "Received" in await page.locator(".govuk-summary-list").first.inner_text()
    history = await page.locator("#history").inner_text()
    assert "Returned to the referrer" in history and "Sent again, put right" in history
    await pages.check(page, "adult-case-after-resubmission")
    await page.goto(base + "/referrals")
    assert "Received" in await page.locator("#referrals tr", has_text=case_ref).inner_text()
    await sign_out(page, base)
    return case_ref


async def test_the_adult_referral_works_with_javascript_switched_off(site):
    _, base = site
    # axe is itself a script: the test above runs it on these same pages.
    async with browser_page(javascript=False) as page:
        await walk_the_adult_referral(page, base, Pages("adult-referral-javascript-off", axe=False))


async def deadlines_of(services, issuer, case_id: str, *keys: str) -> list[dict]:
    """The case's deadlines once scheduling has counted them (they arrive over the bus)."""
    api = services["scheduling"].client
    for _ in range(200):
        answer = await api.get("/v1/deadlines", params={"case_id": case_id},
                               headers=bearer(issuer, "partnership", "business_unit"))
        found = answer.json() if answer.status_code == 200 else []
        if all(any(d["key"] == k for d in found) for k in keys):
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"scheduling never counted {keys} for {case_id}")


async def refer(services, issuer, **changes) -> dict:
    answer = await services["referrals"].client.post("/v1/referrals/child", json=example_child_referral(**changes),
                                                     headers=bearer(issuer, "police", "referrer"))
    assert answer.status_code == 201, answer.text
    return answer.json()

# A chronology as an agency would attach it: a (minimal) PDF, judged by its content.
CHRONOLOGY = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def return_scoping_with_a_chronology(page, base: str, pages: Pages, case: dict, agency: str,
                                           lead: str) -> None:
    case_url = f"{base}/cases/{case['case_id']}"
    await sign_in_as(page, base, lead, agency, "Agency safeguarding lead")
    await page.goto(case_url)
    await page.get_by_role("link", name="Return your agency's scoping").click()
    await page.wait_for_url(case_url + "/scoping-return")
    await page.locator('[name="records_secured"][value="true"]').check()
    await page.locator('[name="involvement"]').fill("Known to the agency; see the chronology.")
    await page.set_input_files('[name="file"]', files=[{"name": f"{agency} chronology.pdf",
                                                        "mimeType": "application/pdf", "buffer": CHRONOLOGY}])
    await page.get_by_role("button", name="Send the scoping return").click()
    await page.wait_for_url(case_url)
    assert "Scoping returned, with your chronology" in await page.locator(".govuk-notification-banner").inner_text()
    await pages.check(page, f"scoping-returned-{agency}")
    await sign_out(page, base)


async def test_the_business_unit_works_a_childs_case_from_its_worklist(site, issuer):
    services, base = site
    # One case referred three weeks ago (its Panel notification is overdue), one today.
    late = await refer(services, issuer, safeguarding_lead={"agreed_on": "2026-12-01"}, received_on="2026-12-01",
                       child={"reference": "C-0001"},
                       incident={"occurred_on": "2026-11-30", "became_aware_on": "2026-12-01"})
    today = await refer(services, issuer)
    await deadlines_of(services, issuer, late["case_id"], "rr.panel_notified")
    meeting = next(d for d in await deadlines_of(services, issuer, today["case_id"], "rr.meeting", "rr.panel_notified")
                   if d["key"] == "rr.meeting")
    pages = Pages("business-unit")
    async with browser_page(pages=pages) as page:
        await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
        await page.get_by_role("link", name="Worklist").first.click()
        await page.wait_for_url(base + "/worklist")
        rows = page.locator("#worklist tbody tr")
        assert await rows.count() == 2
        first, second = await rows.nth(0).inner_text(), await rows.nth(1).inner_text()
        assert late["case_ref"] in first and "Overdue" in first, "the overdue case comes first"
        # Its earliest overdue duty: the scoping, 2 working days after the referral was received.
        assert "Initial scoping and information sharing template" in first
        assert "Thursday 3 December 2026" in first
        assert today["case_ref"] in second and "Overdue" not in second
        assert "rr." not in await page.locator("#worklist").inner_text(), "duty names, not rule keys"
        await pages.check(page, "worklist")

        await page.get_by_role("link", name=today["case_ref"]).click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        due = await page.locator("#due").inner_text()
        assert "The rapid review meeting is held, within its window" in due
        assert "Referred" in await page.locator("#history").inner_text()
        await pages.check(page, "case-overview")

        # Scoping and the meeting booked: nothing ticked first, so the API names the agencies.
        await page.get_by_role("link", name="Request scoping and book the rapid review meeting").click()
        await fill_date(page, "meeting_on", meeting["window_start"])
        await page.get_by_label("Time it starts (optional)").fill("14:30")
        await page.get_by_label("Where it is held (optional)").fill("Room 2, Civic Centre")
        await page.get_by_role("button", name="Send the scoping request").click()
        summary = page.locator(".govuk-error-summary")
        await summary.wait_for()
        assert "Select at least one agency to ask for scoping" in await summary.inner_text()
        await pages.check(page, "scoping-with-error")
        await summary.get_by_role("link").click()
        assert await page.evaluate("document.activeElement.name") == "involved_agencies"
        for agency in ("Local authority (children's social care)", "Police", "Integrated care board (ICB)"):
            await page.get_by_role("checkbox", name=agency, exact=True).check()
        await page.get_by_role("button", name="Send the scoping request").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        assert "Scoping requested" in await page.locator(".govuk-notification-banner").inner_text()
        await pages.check(page, "case-after-scoping")
        await sign_out(page, base)

        # Each agency asked returns its scoping from the case's page, with its chronology attached.
        for agency, lead in (("local_authority", "Jo Lead"), ("police", "DS Kim Lead"), ("icb", "Dr Sam Lead")):
            await return_scoping_with_a_chronology(page, base, pages, today, agency, lead)
        await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
        await page.goto(f"{base}/cases/{today['case_id']}")
        documents = await page.locator("#documents").inner_text()
        for agency in ("local_authority", "police", "icb"):
            assert f"{agency} chronology.pdf" in documents, documents

        # The meeting moved to the afternoon: every agency asked for scoping is invited again.
        await page.get_by_role("link", name="Move the rapid review meeting").click()
        await fill_date(page, "meeting_on", meeting["window_start"])
        await page.get_by_label("Time it starts (optional)").fill("15:30")
        await page.get_by_label("Where it is held (optional)").fill("Room 2, Civic Centre")
        await pages.check(page, "meeting-rebook")
        await page.get_by_role("button", name="Move the meeting").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        assert "Meeting moved" in await page.locator(".govuk-notification-banner").inner_text()

        # Who attends: the statutory partners.
        await page.get_by_role("link", name="Record who attends the rapid review meeting").click()
        await pages.check(page, "attendance")
        for i, (agency, name, role) in enumerate((("local_authority", "L. Head", "Head of service"),
                                                   ("police", "DI Khan", "Detective inspector"),
                                                   ("icb", "Dr Osei", "Designated doctor"))):
            await page.locator(f'[name="attendees.{i}.agency"]').select_option(agency)
            await page.locator(f'[name="attendees.{i}.name"]').fill(name)
            await page.locator(f'[name="attendees.{i}.role"]').fill(role)
        await page.get_by_role("button", name="Record attendance").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")

        # Held today, not the date booked: the API asks why, against the field.
        await page.get_by_role("link", name="Record the rapid review meeting as held").click()
        await fill_date(page, "held_on", "2026-12-21")
        await page.get_by_role("button", name="Record the meeting").click()
        await summary.wait_for()
        assert "give the reason" in await summary.inner_text()
        assert "Monday 21 December 2026" in await summary.inner_text() or \
            "21 December 2026" in await summary.inner_text()
        await pages.check(page, "meeting-held-with-error")
        await summary.get_by_role("link").click()
        assert await page.evaluate("document.activeElement.name") == "reason"
        await page.locator('[name="reason"]').fill("Brought forward: every partner could attend today.")
        await page.get_by_role("button", name="Record the meeting").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")

        await page.get_by_role("link", name="Record the rapid review's decision").click()
        await page.get_by_label("A local child safeguarding practice review (CSPR)").check()
        await page.get_by_label("Why", exact=True).fill("Learning about agencies' joint working.")
        await page.get_by_label("Learning identified (optional)").fill("Sharing of health visits\nSchool absence")
        await pages.check(page, "decision")
        await page.get_by_role("button", name="Record the decision").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")

        await page.get_by_role("link", name="Record the national Panel's response").click()
        await page.get_by_label("It endorsed the decision").check()
        await fill_date(page, "received_on", "2026-12-21")
        await page.get_by_role("button", name="Record the response").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")

        await page.get_by_role("link", name="Commission the CSPR's reviewers").click()
        await page.get_by_label("Reviewers").fill("R. Independent\nS. Second")
        await page.get_by_role("button", name="Commission the reviewers").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        banner = page.locator(".govuk-notification-banner__heading")
        assert await banner.inner_text() == "Reviewers commissioned"
        assert await page.get_by_role("link", name="Commission the CSPR's reviewers").count() == 0, "done"

        # The CSPR to publication, each step offered once the one before it is in the history.
        await page.get_by_role("link", name="Agree the CSPR's methodology and terms of reference").click()
        await page.get_by_label("Methodology").fill("Systems methodology with a practitioner event.")
        await page.get_by_label("Terms of reference").fill("Joint working from birth to the incident.")
        await page.get_by_role("button", name="Record the terms").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        await page.get_by_role("link", name="Record how practitioners and the family were involved").click()
        await page.get_by_label("How practitioners were involved").fill("A practitioner learning event.")
        await page.get_by_label("How the family was involved, or why not").fill("Met the reviewers twice.")
        await page.get_by_role("button", name="Record involvement").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        await page.get_by_role("link", name="Add a draft of the CSPR report").click()
        await page.get_by_label("The draft report").fill("Draft one.")
        await page.get_by_role("button", name="Add the draft").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        await page.get_by_role("link", name=re.compile("Send the final CSPR report to the Panel")).click()
        await fill_date(page, "planned_publication_on", "2027-03-01")
        await page.get_by_role("button", name="Send the final report").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")

        # Not in full, and no reason: the framework's rule, in the API's words, on the field.
        await page.get_by_role("link", name="Record the CSPR's publication").click()
        await fill_date(page, "published_on", "2026-12-21")
        await page.locator('[name="in_full"][value="false"]').check()
        await page.get_by_role("button", name="Record publication").click()
        await summary.wait_for()
        assert "give the reasons why not" in await summary.inner_text()
        await pages.check(page, "publication-with-error")
        await summary.get_by_role("link").click()
        assert await page.evaluate("document.activeElement.name") == "reasons_not_in_full"
        await page.locator('[name="reasons_not_in_full"]').fill("To protect the child's siblings.")
        await page.get_by_role("button", name="Record publication").click()
        await page.wait_for_url(f"{base}/cases/{today['case_id']}")
        assert "Published" in await page.locator(".govuk-summary-list").first.inner_text()
        assert await page.locator("#next-steps").count() == 0, "nothing left to do"
        history = await page.locator("#history").inner_text()
        assert f"meeting on: {date_in_words(meeting['window_start'])}" in history
        for line in ("Scoping requested and the rapid review meeting booked", "The rapid review meeting moved",
                     "Attendance at the rapid review meeting recorded", "Rapid review meeting held",
                     "Rapid review decided", "The national Panel responded", "CSPR reviewers commissioned",
                     "CSPR methodology and terms of reference agreed",
                     "Practitioners' and the family's involvement recorded", "A CSPR draft added",
                     "The final CSPR report sent to the Panel and the Secretary of State", "Published"):
            assert line in history, line
        assert "A local child safeguarding practice review" in history
        assert "Brought forward" not in history and "Draft one" not in history, "free text stays off the timeline"
        await pages.check(page, "case-published")


async def step(page, case_url: str, button: str) -> None:
    """Take the step from its form: back on the case's page, with the step's confirmation."""
    await page.get_by_role("button", name=button).click()
    await page.wait_for_url(case_url)
    assert await page.locator(".govuk-notification-banner").count() == 1, button


async def as_(page, base: str, case_url: str, name: str, role: str, agency: str = "partnership") -> None:
    """The case's page, signed in as the business unit's officer, the independent chair or an agency."""
    await sign_out(page, base)
    await sign_in_as(page, base, name, agency, role)
    await page.goto(case_url)


async def on_date(page, pages: Pages, case_url: str, link: str, path: str, button: str,
                  name: str | None = None) -> None:
    """A step that records the date something happened: today, the stack's business date."""
    await page.get_by_role("link", name=link, exact=True).click()
    await fill_date(page, path, "2026-12-21")
    if name:
        await pages.check(page, name)
    await step(page, case_url, button)


async def test_a_returned_sar_referral_is_put_right_screened_and_commissioned(site):
    """The ICB's referral returned, put right and sent again; screened, signed off, its scoping reviewed,
    decided and agreed by the business unit and the independent chair, which commissions it."""
    _, base = site
    pages = Pages("sar")

    async with browser_page(pages=pages) as page:
        case_ref = await walk_the_adult_referral(page, base, pages)
        await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
        await page.goto(f"{base}/cases?q={case_ref}")
        await page.get_by_role("link", name=case_ref).click()
        await page.wait_for_url(re.compile(re.escape(base) + CASE_URL))
        case_url = page.url

        await page.get_by_role("link", name="Screen the SAR referral").click()
        await page.locator('[name="business_manager_agrees"][value="true"]').check()
        await page.locator('[name="panel_chair_agrees"][value="true"]').check()
        await page.get_by_label("On to scoping").check()
        await page.get_by_label("Reasons", exact=True).fill("Meets the mandatory criteria.")
        await pages.check(page, "screening")
        await step(page, case_url, "Record the screening")
        assert "Screened: on to scoping" in await page.locator(".govuk-summary-list").first.inner_text()
        assert await page.locator("#next-steps").count() == 0, "the chair signs it off, not the business unit"

        await as_(page, base, case_url, "Pat Chair", "Independent chair")
        await page.get_by_role("link", name="Sign the referral off for scoping").click()
        for agency in ("Adult social care", "Integrated care board (ICB)"):
            await page.get_by_role("checkbox", name=agency, exact=True).check()
        await step(page, case_url, "Sign off for scoping")

        await as_(page, base, case_url, "Alex Manager", "Business unit")
        await on_date(page, pages, case_url, "Record the SAR panel's review of the scoping", "on", "Record the review")
        await page.get_by_role("link", name="Record the sub-group's decision whether to convene a SAR").click()
        await page.locator('[name="convene"][value="true"]').check()
        await fill_date(page, "decided_on", "2026-12-21")
        await page.get_by_label("Reasons", exact=True).fill("Learning about joint working.")
        await pages.check(page, "sar-decision")
        await step(page, case_url, "Record the decision")

        await as_(page, base, case_url, "Pat Chair", "Independent chair")
        await on_date(page, pages, case_url, "Agree the SAR", "on", "Agree and commission the SAR")
        assert "SAR commissioned" in await page.locator(".govuk-summary-list").first.inner_text()
        # The SAR's timetable counts from the agreement: scheduling hears of it over the bus.
        for _ in range(50):
            if "The SAR reviewers are commissioned" in await page.locator("#due").inner_text():
                break
            await asyncio.sleep(0.2)
            await page.reload()
        else:
            raise AssertionError("the SAR's timetable never showed on the case's page")
        await pages.check(page, "sar-commissioned")

        history = await page.locator("#history").inner_text()
        for line in ("Returned to the referrer", "Sent again, put right", "Screened",
                     "Signed off for scoping by the independent chair", "Scoping reviewed by the SAR panel",
                     "The sub-group decided", "The independent chair agreed the SAR"):
            assert line in history, line
        assert "convene a sar: Yes" in history and "Meets the mandatory criteria" not in history


async def test_the_business_unit_takes_a_commissioned_sar_to_its_learning_event(site, issuer):
    """The review itself, from the commission to the learning event, the ICB sending its IMR from its
    own form."""
    services, base = site
    case_url = f"{base}/cases/{await commissioned(services, issuer)}"
    pages = Pages("sar-review")

    async with browser_page(pages=pages) as page:
        await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
        await page.goto(case_url)
        # The review, run by the business unit: each step offered once the one before it is in the history.
        await page.get_by_role("link", name="Record that the family was told a SAR is commissioned").click()
        await fill_date(page, "notified_on", "2026-12-21")
        await page.get_by_label("Who told them").fill("The independent chair")
        await page.get_by_label("How they were told").fill("A visit")
        await pages.check(page, "family-notified")
        await step(page, case_url, "Record it")
        await page.get_by_role("link", name="Commission the SAR's reviewers").click()
        await page.get_by_label("Reviewers").fill("R. Independent")
        await fill_date(page, "commissioned_on", "2026-12-21")
        await pages.check(page, "sar-reviewers")
        await step(page, case_url, "Commission the reviewers")
        await on_date(page, pages, case_url, "Record the initial scoping meeting of the reviewers and the SAR panel",
                      "on", "Record the meeting", "initial-meeting")
        await page.get_by_role("link", name="Ask agencies for individual management reviews (IMRs)").click()
        await page.get_by_role("checkbox", name="Integrated care board (ICB)", exact=True).check()
        await pages.check(page, "imr-requests")
        await step(page, case_url, "Ask for the IMRs")
        await page.get_by_role("link", name="Record a SAR panel meeting").click()
        await fill_date(page, "held_on", "2026-12-21")
        for label in ("Progress of the review", "Immediate risks identified", "Learning to share now",
                      "Guidance to the reviewers", "Drafts reviewed", "Communications"):
            await page.get_by_label(label, exact=True).fill("None yet.")
        await pages.check(page, "panel-meeting")
        await step(page, case_url, "Record the meeting")

        # The ICB's IMR, from its own form: by a manager independent of the case, or the API says why not.
        await as_(page, base, case_url, "Dr Sam Lead", "Agency safeguarding lead", "icb")
        await page.get_by_role("link", name="Send your agency's individual management review (IMR)").click()
        await page.get_by_label("Name of the manager who wrote it").fill("M. Lead")
        await page.get_by_label("Their role").fill("Named nurse for safeguarding")
        await page.locator('[name="author_independent_of_case"][value="false"]').check()
        for label in ("Chronology", "Review of records", "Interviews"):
            await page.get_by_label(label, exact=True).fill("As attached.")
        await page.set_input_files('[name="file"]', files=[{"name": "ICB IMR.pdf", "mimeType": "application/pdf",
                                                            "buffer": PDF}])
        await page.get_by_role("button", name="Send the IMR").click()
        summary = page.locator(".govuk-error-summary")
        await summary.wait_for()
        assert "an IMR is written by a manager independent of the case" in await summary.inner_text()
        await pages.check(page, "imr-with-error")
        await summary.get_by_role("link").click()
        assert await page.evaluate("document.activeElement.name") == "author_independent_of_case"
        await page.locator('[name="author_independent_of_case"][value="true"]').check()
        await page.set_input_files('[name="file"]', files=[{"name": "ICB IMR.pdf", "mimeType": "application/pdf",
                                                            "buffer": PDF}])
        await step(page, case_url, "Send the IMR")
        assert "IMR sent, with its document" in await page.locator(".govuk-notification-banner").inner_text()
        assert "ICB IMR.pdf" in await page.locator("#documents").inner_text()

        await as_(page, base, case_url, "Alex Manager", "Business unit")
        await on_date(page, pages, case_url, "Record that the draft report went to the SAR panel", "on", "Record it")
        await on_date(page, pages, case_url, "Record the report's presentation to the SAR committee", "on", "Record it",
                      "committee")
        await page.get_by_role("link", name="Record the board's sign-off of the report").click()
        await fill_date(page, "signed_off_on", "2026-12-21")
        await page.get_by_label("A summary").check()
        await pages.check(page, "sign-off")
        await step(page, case_url, "Record the sign-off")
        await on_date(page, pages, case_url, "Record that the report was shared with the family", "on", "Record it")
        await page.get_by_role("link", name="Record the SAR's publication").click()
        await fill_date(page, "published_on", "2026-12-21")
        await page.get_by_label("Recommendation 1: what is recommended").fill("Share hospital discharge plans")
        await page.get_by_label("Recommendation 1: agency that owns it").select_option("icb")
        await pages.check(page, "sar-publication")
        await step(page, case_url, "Record publication")
        await on_date(page, pages, case_url, "Record the SAR's learning event", "on", "Record the learning event",
                      "learning-event")
        await page.get_by_role("link", name="Record the SAR's findings for the annual report").click()
        await page.get_by_label("Findings", exact=True).fill("Discharge plans were not shared")
        await pages.check(page, "findings")
        await step(page, case_url, "Record the findings")

        assert "Learning event held" in await page.locator(".govuk-summary-list").first.inner_text()
        assert await page.locator("#next-steps").count() == 0, "nothing left to do"
        history = await page.locator("#history").inner_text()
        for line in ("The independent chair agreed the SAR", "The family told a SAR is commissioned",
                     "SAR reviewers commissioned",
                     "Initial scoping meeting of the reviewers and the SAR panel held",
                     "Individual management reviews (IMRs) asked for", "SAR panel meeting held",
                     "An agency sent its IMR", "The draft report presented to the SAR panel",
                     "The report presented to the SAR committee", "The board signed the report off",
                     "The report shared with the family", "Published", "Learning event held",
                     "Findings recorded for the annual report"):
            assert line in history, line
        assert "to publish: A summary" in history
        assert "None yet" not in history and "As attached" not in history, "free text stays off the timeline"
        await pages.check(page, "sar-learning-event-held")


async def test_the_chair_reviews_the_sub_groups_recommendation_not_to_convene(site, issuer):
    services, base = site
    case_id = await scoping_reviewed(services, issuer)
    case_url = f"{base}/cases/{case_id}"
    pages = Pages("sar-not-convened")
    async with browser_page(pages=pages) as page:
        await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
        await page.goto(case_url)
        await page.get_by_role("link", name="Record the sub-group's decision whether to convene a SAR").click()
        await page.locator('[name="convene"][value="false"]').check()
        await fill_date(page, "decided_on", "2026-12-21")
        await page.get_by_label("Reasons", exact=True).fill("A matter for one agency's own review.")
        await page.get_by_label("A single-agency review").check()
        await page.get_by_label("A practice briefing").check()
        await page.get_by_role("button", name="Record the decision").click()
        await page.wait_for_url(case_url)
        assert "Not to convene, for the independent chair to review" in \
            await page.locator(".govuk-summary-list").first.inner_text()
        assert await page.locator("#next-steps").count() == 0, "the chair reviews it, not the business unit"

        await as_(page, base, case_url, "Pat Chair", "Independent chair")
        await page.get_by_role("link", name="Review the sub-group's recommendation not to convene a SAR").click()
        await page.locator('[name="confirmed"][value="true"]').check()
        await fill_date(page, "on", "2026-12-21")
        await pages.check(page, "decision-review")
        # The referral meets the Care Act s44 mandatory criteria: the chair's reason, asked for on its field.
        await page.get_by_role("button", name="Record your review").click()
        summary = page.locator(".govuk-error-summary")
        await summary.wait_for()
        assert "meets the Care Act s44 mandatory criteria" in await summary.inner_text()
        await pages.check(page, "decision-review-with-error")
        await summary.get_by_role("link").click()
        assert await page.evaluate("document.activeElement.name") == "mandatory_override_reason"
        await page.locator('[name="mandatory_override_reason"]').fill("The adult's family asked for no review.")
        await page.get_by_role("button", name="Record your review").click()
        await page.wait_for_url(case_url)
        assert "Not convened" in await page.locator(".govuk-summary-list").first.inner_text()
        history = await page.locator("#history").inner_text()
        assert "The independent chair confirmed the decision" in history
        assert "instead: A single-agency review, A practice briefing" in history
        assert "family asked" not in history, "the chair's reason stays off the timeline"
        assert await page.locator("#next-steps").count() == 0
        await pages.check(page, "not-convened")
