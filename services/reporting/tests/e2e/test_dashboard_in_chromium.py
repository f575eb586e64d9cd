"""The dashboard as the business unit and the board meet it: a real headless Chromium, with
JavaScript switched off, signs in through the form, reads the figures and the charts, and checks
them against the JSON the same service answers; then the accessibility the page promises (landmarks,
one h1, captions on every table, a skip link first in the tab order, a text alternative on every
chart). A screenshot is left in test-artifacts/.

Chromium is Debian's (``apt-get install chromium``), driven by Playwright's Python client; without
/usr/bin/chromium the test is skipped and says so.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reporting.application.event_handlers import projecting
from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import bearer, migrated
from safeguard_testing.ports import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: apt-get install -y chromium (CI's .ci/run does)")


def project_into(service):
    """The live consumer's handler for this service: its projections, through EVENT_HANDLERS."""
    return projecting(service.runtime.outbox, service.runtime.clock)


@pytest.fixture
async def site(sqlite_databases, tmp_path, issuer, scenario):
    """The reporting app, its read models filled with the scripted year, served over real HTTP."""
    import uvicorn

    async with migrated("reporting", database_url=sqlite_databases.new("reporting"), data_dir=tmp_path,
                        issuer=issuer, clock=FixedDateClock(scenario.today)) as service:
        for e in scenario.events:
            await service.runtime.inbox.handle_once("reporting", e, project_into(service))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(service.app, host="127.0.0.1", port=port, lifespan="off",
                                               log_level="warning"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            yield service, f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


async def test_the_board_signs_in_and_reads_figures_and_charts_that_match_the_json(site, issuer, request):
    playwright_api = pytest.importorskip("playwright.async_api")
    service, base = site
    token = issuer.mint(agency="partnership", roles=["reporting_reader"])
    reader = bearer(issuer, "partnership", "reporting_reader")
    timeliness = (await service.client.get("/v1/reports/timeliness", headers=reader)).json()
    overdue = (await service.client.get("/v1/reports/overdue", headers=reader)).json()
    cases = (await service.client.get("/v1/reports/cases", headers=reader)).json()

    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
            page = await context.new_page()

            # Signed out: the sign-in form. Signing in sets the cookie and lands on the dashboard.
            response = await page.goto(base + "/")
            assert response.status == 401
            await page.get_by_label("Access token").fill(token)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(base + "/")
            assert await page.locator("h1").all_inner_texts() == ["Dashboard"]

            # The headline figures are the JSON's.
            assert await page.locator("#open-cases").inner_text() == str(cases["open"])
            assert await page.locator("#overdue-total").inner_text() == str(overdue["total"])
            # The headline share is the reviews' statutory and framework timescales, not training follow-ups.
            reviews = timeliness["by_group"]["reviews"]
            assert await page.locator("#share-on-time").inner_text() == f"{round(reviews['share_on_time'] * 100)}%"

            # The timeliness chart: one bar per review timescale with deadlines, its value and length the JSON's share.
            bars = page.locator("#chart-timeliness g.bar")
            drawn = {await b.get_attribute("data-key"): await b.get_attribute("data-value") for b in await bars.all()}
            assert drawn == {r["key"]: ("" if r["share_on_time"] is None else str(r["share_on_time"]))
                             for r in timeliness["rows"] if r["scheduled"] and r["group"] == "reviews"}
            complete = page.locator('#chart-timeliness g.bar[data-key="rr.complete"] rect')
            assert float(await complete.get_attribute("width")) == 360 * 0.5
            assert "50%" in await page.locator('#chart-timeliness g.bar[data-key="rr.complete"]').text_content()

            # The overdue chart: a bar per agency, the JSON's counts; the table beside it says the same.
            bars = page.locator("#chart-overdue g.bar")
            drawn = {await b.get_attribute("data-key"): int(await b.get_attribute("data-value"))
                     for b in await bars.all()}
            assert drawn == {r["agency"]: r["overdue"] for r in overdue["by_agency"]}
            table = page.locator("#overdue-by-agency tbody tr")
            assert await table.count() == len(overdue["by_agency"])
            for group in ("reviews", "audits", "training"):  # each group in a table of its own
                rows = [r for r in timeliness["rows"] if r["group"] == group]
                assert await page.locator(f"#timeliness-{group} tbody tr[data-key]").count() == len(rows), group
            # In words: no code of an agency, decision or stage is shown as the code itself.
            shown = await page.locator("main").inner_text()
            for code in ("local_authority", "no_review", "cspr", "endorsed", "in_progress", "health_provider"):
                assert code not in shown, code

            # Accessible: landmarks, captions, a text alternative on every chart, the skip link first.
            for role in ("banner", "navigation", "main", "contentinfo"):
                assert await page.get_by_role(role).count() >= 1, role
            tables = page.locator("table")
            assert await tables.count() >= 10
            for t in await tables.all():
                assert (await t.locator("caption").inner_text()).strip()
            for chart in await page.locator("figure.chart svg").all():
                assert await chart.get_attribute("role") == "img"
                title_id, desc_id = (await chart.get_attribute("aria-labelledby")).split()
                assert (await page.locator(f"#{title_id}").text_content()).strip()
                assert "table that follows" in await page.locator(f"#{desc_id}").text_content()
            await page.keyboard.press("Tab")
            focused = page.locator(":focus")
            assert await focused.inner_text() == "Skip to main content"
            assert await focused.get_attribute("href") == "#main"

            screenshots = request.config.rootpath / "test-artifacts"
            screenshots.mkdir(exist_ok=True)
            await page.screenshot(path=str(screenshots / "reporting-dashboard.png"), full_page=True)

            # The downloads work with the sign-in cookie; the annual report reads as a page.
            csv = await context.request.get(base + "/v1/reports/timeliness.csv")
            assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
            await page.get_by_role("link", name="Read it (HTML)").click()
            assert (await page.locator("h1").inner_text()).startswith("Annual report 2026-27")
            assert await page.locator("caption", has_text="SARs concluded and ongoing").count() == 1
            await page.screenshot(path=str(screenshots / "reporting-annual-report.png"), full_page=True)

            # Signing out forgets the cookie.
            await page.goto(base + "/")
            await page.get_by_role("button", name="Sign out").click()
            assert await page.get_by_label("Access token").count() == 1
        finally:
            await browser.close()
