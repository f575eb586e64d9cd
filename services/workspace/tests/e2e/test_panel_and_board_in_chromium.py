"""The review's panel, its independent chair and the board, in a real browser (Debian's Chromium
through Playwright) in front of the real referrals, scheduling and reporting services on a real NATS:

- a police panel member finds the rapid review among the panel's reviews, reads its document pack
  (the police's own scoping return among it) and the meeting as booked and attended, and finds no
  drafts yet, and no way to add one (the access table lets the review's writers add them);
- the business unit adds a confidential draft (sent empty first: the API's 422 on the field), and the
  panel member reads it under its marking;
- the police's safeguarding lead, whom the access table does not allow drafts, is refused it;
- the independent chair finds a SAR awaiting the review of the sub-group's decision not to convene,
  confirms it without the reason the Care Act's mandatory criteria ask for (the API's 422, linked to
  the field), gives it, and the case is not convened;
- a board member opens the dashboard from the same sign-in: the open cases counted, timeliness,
  overdue work, themes and the annual report's figures, as tables.

axe-core must find no serious or critical violation on any page; each page is photographed under
test-artifacts/workspace/ (axe's figures in axe.json). The journey is walked again with JavaScript off.
"""
from __future__ import annotations

import re

import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, bearer
from safeguard_testing.toy import eventually
from workspace.application.words import date_in_words

from ..integration.test_panel_and_board_pages import SECRET_DRAFT, a_decided_cspr, a_sar_not_to_convene
from .test_pathways_in_chromium import sign_in_as, sign_out
from .test_referral_in_chromium import CHROMIUM, Pages, browser_page, fill_date, served_site

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: apt-get install -y chromium (CI's .ci/run does)")


@pytest.fixture
async def site(sqlite_databases, nats_url, bus_namespace, tmp_path, issuer):
    """Referrals, scheduling (the meeting's window) and reporting on a real NATS, the workspace over real
    HTTP in front of them; a decided CSPR and two SARs the sub-group recommends not to convene (one
    for each walk), made through the API; every clock on Monday 21 December 2026."""
    async with served_site(["referrals", "scheduling", "reporting"], sqlite_databases, nats_url, bus_namespace,
                           tmp_path, issuer, clock=FixedDateClock(EXAMPLE_DATE)) as (services, base):
        child, meeting_on = await a_decided_cspr(services, issuer)
        adults = [await a_sar_not_to_convene(services, issuer, mandatory=True, reference=r) for r in ("A-1", "A-2")]
        assert await counted(services, issuer, open_cases=3, concluded=0), "reporting never counted the cases"
        yield services, base, (child, meeting_on), adults


async def counted(services, issuer, *, open_cases: int, concluded: int) -> bool:
    """Once reporting, which hears of each step over the bus, counts the cases so."""
    async def check() -> bool:
        answer = await services["reporting"].client.get(
            "/v1/reports/summary", headers=bearer(issuer, "partnership", "reporting_reader"))
        cases = answer.json()["cases"] if answer.status_code == 200 else {}
        return cases.get("open") == open_cases and cases.get("concluded") == concluded

    return await eventually(check, timeout=30, interval=0.2)


async def panel_member_reads_the_pack_and_the_meeting(page, base: str, pages: Pages, case_id: str,
                                                     meeting_on: str, drafts_before: int) -> None:
    await sign_in_as(page, base, "Sam Panel", "police", "Panel member")
    await pages.check(page, "start")
    await page.get_by_role("link", name="Reviews for your panel").first.click()
    await page.wait_for_url(base + "/panel")
    await pages.check(page, "panel-reviews")
    await page.locator("#panel-cases").get_by_role("link", name=re.compile(r"RR-")).click()
    await page.wait_for_url(f"{base}/cases/{case_id}")
    await pages.check(page, "case")

    await page.get_by_role("link", name="The document pack").click()
    await page.wait_for_url(f"{base}/cases/{case_id}/pack")
    assert "Two domestic abuse call-outs in 2026." in await page.locator("#return-police").inner_text()
    assert "C-CANARY-1029" in await page.locator("#pack-referral").inner_text()
    await pages.check(page, "pack")

    await page.get_by_role("link", name="The rapid review meeting").click()
    await page.wait_for_url(f"{base}/cases/{case_id}/meeting")
    booked = await page.locator("#meeting-booked").inner_text()
    assert date_in_words(meeting_on) in booked and "14:30" in booked and "Room 2, Civic Centre" in booked
    assert "Quorate" in await page.locator("#meeting-quorum").inner_text()
    attending = await page.locator("#meeting-attending").inner_text()
    assert "Police" in attending and "Integrated care board (ICB)" in attending
    await pages.check(page, "meeting")

    await page.goto(f"{base}/cases/{case_id}")
    await page.get_by_role("link", name="Confidential drafts of the CSPR report").click()
    await page.wait_for_url(f"{base}/cases/{case_id}/drafts")
    assert await page.locator("#drafts tbody tr").count() == drafts_before
    assert await page.get_by_role("link", name="Add a draft").count() == 0, "a panel member reads, not writes"
    await pages.check(page, "drafts-before")
    await sign_out(page, base)


async def business_unit_adds_a_draft(page, base: str, pages: Pages, case_id: str, version: int) -> None:
    await sign_in_as(page, base, "Alex Manager", "partnership", "Business unit")
    await page.goto(f"{base}/cases/{case_id}/drafts")
    await page.get_by_role("link", name="Add a draft").click()
    await page.wait_for_url(f"{base}/cases/{case_id}/drafts/new")
    await page.get_by_role("button", name="Add the draft").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert "Enter the draft report" in await summary.inner_text()
    await pages.check(page, "draft-form-with-error")
    await summary.get_by_role("link").click()
    assert await page.evaluate("document.activeElement.name") == "text"
    await page.get_by_label("The draft report").fill(f"{SECRET_DRAFT}\n\nVersion {version}, its second paragraph.")
    await page.get_by_role("button", name="Add the draft").click()
    await page.wait_for_url(f"{base}/cases/{case_id}/drafts")
    assert "Draft added" in await page.locator(".govuk-notification-banner").inner_text()
    assert f"Draft {version}" in await page.locator("#drafts tbody tr").first.inner_text(), "newest first"
    await pages.check(page, "drafts-after")
    await sign_out(page, base)


async def panel_member_reads_the_draft_and_a_lead_is_refused_it(page, base: str, pages: Pages, case_id: str,
                                                                version: int) -> None:
    await sign_in_as(page, base, "Sam Panel", "police", "Panel member")
    await page.goto(f"{base}/cases/{case_id}/drafts")
    await page.get_by_role("link", name=f"Draft {version}", exact=True).click()
    await page.wait_for_url(f"{base}/cases/{case_id}/drafts/{version}")
    assert "strictly confidential" in await page.locator("#draft-marking").inner_text()
    text = await page.locator("#draft-text").inner_text()
    assert SECRET_DRAFT in text and f"Version {version}, its second paragraph." in text
    await pages.check(page, "draft")
    await sign_out(page, base)

    await sign_in_as(page, base, "Kim Lead", "police", "Agency safeguarding lead")
    response = await page.goto(f"{base}/cases/{case_id}/drafts/{version}")
    assert response.status == 403
    assert await page.locator("h1").inner_text() == "You cannot do this"
    assert "health visitor" not in await page.content()
    await pages.check(page, "draft-refused")
    await sign_out(page, base)


async def chair_confirms_not_convening(page, base: str, pages: Pages, case_id: str) -> None:
    await sign_in_as(page, base, "Pat Chair", "partnership", "Independent chair")
    await page.get_by_role("link", name="Reviews for your panel").first.click()
    await page.wait_for_url(base + "/panel")
    await pages.check(page, "chair-awaiting-sign-off")
    await page.locator(f'#awaiting-sign-off a[href="/cases/{case_id}/steps/sar-decision-review"]').click()
    await page.wait_for_url(f"{base}/cases/{case_id}/steps/sar-decision-review")
    assert await page.locator("h1").inner_text() == "Review the sub-group's recommendation not to convene a SAR"
    await page.locator('[name="confirmed"][value="true"]').check()
    await fill_date(page, "on", "2026-12-21")
    await page.get_by_role("button", name="Record your review").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert "Care Act s44 mandatory criteria" in await summary.inner_text()
    await pages.check(page, "sign-off-with-error")
    await summary.get_by_role("link").click()
    assert await page.evaluate("document.activeElement.name") == "mandatory_override_reason"
    await page.locator('[name="mandatory_override_reason"]').fill("The family asked for no review; learning "
                                                                  "is taken by a single-agency review.")
    await page.get_by_role("button", name="Record your review").click()
    await page.wait_for_url(f"{base}/cases/{case_id}")
    assert "Your review of the decision recorded" in \
        await page.locator(".govuk-notification-banner").inner_text()
    assert "Not convened" in await page.locator(".govuk-summary-list").first.inner_text()
    assert "The independent chair confirmed the decision" in await page.locator("#history").inner_text()
    await pages.check(page, "signed-off")
    await sign_out(page, base)


async def board_member_opens_the_dashboard(page, base: str, pages: Pages, *, open_cases: int,
                                           concluded: int) -> None:
    await sign_in_as(page, base, "Dr Board", "partnership", "Reads reports (board)")
    await page.get_by_role("link", name="Dashboard").first.click()
    await page.wait_for_url(base + "/dashboard")
    glance = await page.locator("#glance").inner_text()
    assert re.search(rf"Open cases\s+{open_cases}\b", glance), glance
    assert re.search(rf"Cases concluded\s+{concluded}\b", glance), glance
    assert "Child safeguarding practice review" in await page.locator("#open-by-stage").inner_text()
    assert await page.locator("#timeliness-reviews").count() == 1
    assert "rr." not in await page.locator("#timeliness-reviews").inner_text(), "timescales in words, not keys"
    await pages.check(page, "dashboard")
    await page.get_by_label("Reporting year").select_option("2025")
    await page.get_by_role("button", name="Show this year").click()
    await page.wait_for_url(re.compile(re.escape(base) + r"/dashboard\?year=2025"))
    assert "2025-26" in await page.locator("#annual").inner_text()
    await pages.check(page, "dashboard-2025")
    await sign_out(page, base)


async def walk(site, issuer, *, javascript: bool, turn: int) -> None:
    """One walk of the journey (``turn`` 0 or 1: the second finds the first's draft, and signs off the
    other SAR)."""
    services, base, (child, meeting_on), adults = site
    pages = Pages("panel-and-board" if javascript else "panel-and-board-javascript-off", axe=javascript)
    async with browser_page(javascript=javascript, pages=pages if javascript else None) as page:
        await panel_member_reads_the_pack_and_the_meeting(page, base, pages, child, meeting_on, drafts_before=turn)
        await business_unit_adds_a_draft(page, base, pages, child, version=turn + 1)
        await panel_member_reads_the_draft_and_a_lead_is_refused_it(page, base, pages, child, version=turn + 1)
        await chair_confirms_not_convening(page, base, pages, adults[turn])
        # The SAR the chair did not convene is concluded: reporting hears of it over the bus.
        assert await counted(services, issuer, open_cases=2 - turn, concluded=turn + 1)
        await board_member_opens_the_dashboard(page, base, pages, open_cases=2 - turn, concluded=turn + 1)


async def test_the_panel_the_chair_and_the_board_with_javascript_on_and_off(site, issuer):
    # One stack for both walks. axe is itself a script: it runs on the first walk's pages, whose HTML
    # the second walk, with JavaScript off, meets again.
    await walk(site, issuer, javascript=True, turn=0)
    await walk(site, issuer, javascript=False, turn=1)
