"""A police officer refers a child serious incident in a real browser (Debian's Chromium, driven by
Playwright's Python client): signs in locally, gets one field wrong and is shown which in the error
summary, puts it right, lands on the case's page, and finds the case again by its reference. The
same referral is then made with JavaScript switched off, and once by keyboard alone.

On every page axe-core (axe-playwright-python) must find no serious or critical violation; each page
is saved as a screenshot under test-artifacts/workspace/, with axe's figures in axe.json beside them.
Without /usr/bin/chromium the tests are skipped and say so.
"""
from __future__ import annotations

import asyncio
import json
import re
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from safeguard_testing.apps import running
from safeguard_testing.ports import free_port

from ..conftest import workspace_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "workspace"
BLOCKING = ("serious", "critical")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: apt-get install -y chromium (CI's .ci/run does)")


@asynccontextmanager
async def served_site(names: list[str], databases, nats_url, bus_namespace, tmp_path, issuer, **workspace_options):
    """The named services, real and in-process, and the workspace in front of them served over real
    HTTP (the workspace is given the scheduling and audits apps too when they run; a clock given is
    every one's); yields them and the address."""
    import uvicorn

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with AsyncExitStack() as stack:
        # The notifications service's messages link to this workspace's pages.
        services = await stack.enter_async_context(running(
            names, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
            data_dir=tmp_path / "services", issuer=issuer, settings={"notifications": {"workspace_url": base}},
            clock=workspace_options.get("clock")))
        if "scheduling" in services:
            workspace_options["scheduling_app"] = services["scheduling"].app
        if "audits" in services:
            workspace_options["audits_app"] = services["audits"].app
        if "reporting" in services:
            workspace_options["reporting_app"] = services["reporting"].app
        app = await stack.enter_async_context(workspace_app(tmp_path, issuer, services["referrals"].app,
                                                            base_url=base, **workspace_options))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            yield services, base
        finally:
            server.should_exit = True
            await task


@pytest.fixture
async def site(sqlite_databases, nats_url, bus_namespace, tmp_path, issuer):
    """The real referrals service, and the workspace in front of it served over real HTTP."""
    async with served_site(["referrals"], sqlite_databases, nats_url, bus_namespace, tmp_path, issuer) as served:
        yield served


class Pages:
    """Checks each page a person meets: axe's serious and critical violations, and a screenshot."""

    def __init__(self, journey: str, *, axe: bool = True):
        from axe_playwright_python.async_playwright import Axe

        self.axe = Axe() if axe else None
        self.journey = journey
        self.shots = 0
        self.figures: dict[str, dict] = {}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def check(self, page, name: str) -> None:
        self.shots += 1
        shot = f"{self.journey}-{self.shots:02d}-{name}"
        await page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
        if self.axe is None:
            return
        results = await self.axe.run(page)
        violations = results.response["violations"]
        by_impact: dict[str, int] = {}
        for v in violations:
            by_impact[v["impact"]] = by_impact.get(v["impact"], 0) + len(v["nodes"])
        self.figures[shot] = {"url": page.url, "violations": by_impact,
                              "rules": sorted(v["id"] for v in violations)}
        blocking = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
                    for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"axe on {name}: {blocking}"

    def save(self) -> None:
        path = ARTIFACTS / "axe.json"
        figures = json.loads(path.read_text()) if path.exists() else {}
        figures.update(self.figures)
        path.write_text(json.dumps(figures, indent=2, sort_keys=True))


async def _browser(playwright):
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


@asynccontextmanager
async def browser_page(*, javascript: bool = True, pages: Pages | None = None):
    """A page in a fresh Chromium (JavaScript on or off); axe's figures saved when it closes."""
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as p:
        browser = await _browser(p)
        try:
            context = await browser.new_context(java_script_enabled=javascript,
                                                viewport={"width": 1280, "height": 900})
            yield await context.new_page()
        finally:
            await browser.close()
            if pages is not None:
                pages.save()


async def fill_date(page, path: str, iso: str) -> None:
    year, month, day = iso.split("-")
    await page.locator(f'[name="{path}-day"]').fill(str(int(day)))
    await page.locator(f'[name="{path}-month"]').fill(str(int(month)))
    await page.locator(f'[name="{path}-year"]').fill(year)


async def sign_in(page, base: str, pages: Pages | None = None) -> None:
    response = await page.goto(base + "/")
    assert page.url == base + "/sign-in/local" and response.status == 200
    assert await page.locator("h1").inner_text() == "Sign in on this machine"
    if pages:
        await pages.check(page, "sign-in")
    await page.get_by_label("Your name").fill("PC Jo Bloggs")
    await page.get_by_label("Your agency").select_option("police")
    await page.get_by_label("Referrer (agency staff)").check()
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(base + "/")
    assert await page.locator("h1").inner_text() == "What do you want to do?"


async def fill_referral(page, *, became_aware_on: str = "2026-12-21") -> None:
    await page.get_by_label("Name of the safeguarding lead who agreed this referral").fill("A. Lead")
    await fill_date(page, "safeguarding_lead.agreed_on", "2026-12-21")
    await page.get_by_label("Your reference for the child").fill("C-1029")
    await fill_date(page, "child.date_of_birth", "2015-04-02")
    await page.locator('[name="child.looked_after"][value="false"]').check()
    await fill_date(page, "incident.occurred_on", "2026-12-19")
    await fill_date(page, "incident.became_aware_on", became_aware_on)
    await page.get_by_label("The child was seriously harmed").check()
    await page.get_by_label("Suspected", exact=True).check()
    await page.get_by_label("What happened").fill("Found with injuries at home; neglect suspected.")
    for agency in ("Local authority (children's social care)", "Police", "Integrated care board (ICB)",
                   "School or education"):
        await page.get_by_role("checkbox", name=agency, exact=True).check()


async def case_ref_on(page) -> str:
    heading = await page.locator("h1").inner_text()
    found = re.fullmatch(r"Case (RR-\d{4}-\w+)", heading)
    assert found, heading
    return found.group(1)


async def test_a_police_officer_refers_a_child_and_finds_the_case(site):
    playwright_api = pytest.importorskip("playwright.async_api")
    services, base = site
    pages = Pages("javascript-on")
    async with playwright_api.async_playwright() as p:
        browser = await _browser(p)
        try:
            page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
            await sign_in(page, base, pages)
            await pages.check(page, "start")
            await page.get_by_role("link", name="Refer a serious incident concerning a child").click()
            await page.wait_for_url(base + "/referrals/child/new")
            await pages.check(page, "referral-form")

            # One field wrong: awareness before the incident. The answers are checked, then sent; the
            # referrals API refuses, and the error summary names the field and links to it.
            await fill_referral(page, became_aware_on="2026-12-18")
            await page.get_by_role("button", name="Continue").click()
            await page.wait_for_url(base + "/referrals/child/check")
            assert "18 December 2026" in await page.locator(".govuk-summary-list").inner_text()
            await pages.check(page, "check-your-answers")
            await page.get_by_role("button", name="Send referral").click()
            summary = page.locator(".govuk-error-summary")
            await summary.wait_for()
            assert "There is a problem" in await summary.inner_text()
            link = summary.get_by_role("link")
            assert await link.count() == 1
            assert "cannot be before the date the incident happened" in await link.inner_text()
            assert (await page.title()).startswith("Error: ")
            await pages.check(page, "referral-form-with-error")
            await link.click()
            assert await page.evaluate("document.activeElement.name") == "incident.became_aware_on-day"

            await page.locator('[name="incident.became_aware_on-day"]').fill("21")
            await page.get_by_role("button", name="Continue").click()
            await page.get_by_role("button", name="Send referral").click()
            await page.wait_for_url(re.compile(re.escape(base) + r"/cases/[0-9a-f-]{36}$"))
            case_url = page.url
            case_ref = await case_ref_on(page)
            banner = await page.locator(".govuk-notification-banner").inner_text()
            assert f"Referral sent. The case reference is {case_ref}" in banner
            assert "Child Safeguarding Practice Review Panel" in banner
            assert "Monday 21 December 2026" in await page.locator(".govuk-summary-list").inner_text()
            await pages.check(page, "case")

            await page.get_by_role("link", name="Find a case").click()
            await page.get_by_label("Case reference").fill(case_ref)
            await page.get_by_role("button", name="Search").click()
            await page.wait_for_url(f"{base}/cases?q={case_ref}")
            await pages.check(page, "find-a-case")
            await page.get_by_role("link", name=case_ref).click()
            await page.wait_for_url(case_url)

            await page.get_by_role("button", name="Sign out").click()
            await page.wait_for_url(base + "/signed-out")
            await pages.check(page, "signed-out")
            await page.goto(case_url)
            assert page.url.startswith(base + "/sign-in/local"), "signed out means signed out"
        finally:
            await browser.close()
            pages.save()


async def test_the_referral_works_with_javascript_switched_off(site):
    playwright_api = pytest.importorskip("playwright.async_api")
    _, base = site
    # axe-core is itself a script and cannot run here: these pages' HTML is the same as with JavaScript
    # on, which the first test checks with axe. Here: every step works, and each page is photographed.
    pages = Pages("javascript-off", axe=False)
    async with playwright_api.async_playwright() as p:
        browser = await _browser(p)
        try:
            context = await browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            await sign_in(page, base, pages)
            await page.goto(base + "/referrals/child/new")
            await fill_referral(page, became_aware_on="2026-12-18")
            await page.get_by_role("button", name="Continue").click()
            await pages.check(page, "check-your-answers")
            await page.get_by_role("button", name="Send referral").click()
            await page.locator(".govuk-error-summary").wait_for()
            await pages.check(page, "referral-form-with-error")
            await page.locator('[name="incident.became_aware_on-day"]').fill("21")
            await page.get_by_role("button", name="Continue").click()
            await page.get_by_role("button", name="Send referral").click()
            await page.wait_for_url(re.compile(re.escape(base) + r"/cases/[0-9a-f-]{36}$"))
            case_ref = await case_ref_on(page)
            await pages.check(page, "case")
            await page.goto(f"{base}/cases?q={case_ref}")
            assert await page.get_by_role("link", name=case_ref).count() == 1
            await pages.check(page, "find-a-case")
        finally:
            await browser.close()
            pages.save()


class Keyboard:
    """Moves through the page with Tab alone, as a person without a mouse does."""

    def __init__(self, page):
        self.page = page

    async def focused(self) -> dict:
        return await self.page.evaluate(
            "(() => { const e = document.activeElement; return {name: e.name || '', value: e.value || '',"
            " tag: e.tagName, text: (e.innerText || '').trim()} })()")

    async def tab_to(self, *, name: str | None = None, value: str | None = None, text: str | None = None) -> dict:
        for _ in range(120):
            await self.page.keyboard.press("Tab")
            f = await self.focused()
            if name is not None and f["name"] == name and (value is None or f["value"] == value):
                return f
            if name is None and text is not None and f["text"] == text:
                return f
            if name is not None and value is not None and f["name"] == name and f["tag"] == "INPUT":
                # A radio group is one tab stop: its arrow keys move (and select) within it.
                for _ in range(6):
                    await self.page.keyboard.press("ArrowDown")
                    if (await self.focused())["value"] == value:
                        return await self.focused()
        raise AssertionError(f"Tab never reached {name or text}={value}")

    async def type_into(self, name: str, text: str) -> None:
        await self.tab_to(name=name)
        await self.page.keyboard.type(text)

    async def date(self, path: str, iso: str) -> None:
        year, month, day = iso.split("-")
        await self.type_into(f"{path}-day", str(int(day)))
        await self.type_into(f"{path}-month", str(int(month)))
        await self.type_into(f"{path}-year", year)

    async def choose(self, name: str, value: str) -> None:
        await self.tab_to(name=name, value=value)
        if not await self.page.evaluate("document.activeElement.checked"):
            await self.page.keyboard.press("Space")


async def test_the_referral_can_be_made_by_keyboard_alone(site):
    playwright_api = pytest.importorskip("playwright.async_api")
    _, base = site
    async with playwright_api.async_playwright() as p:
        browser = await _browser(p)
        try:
            page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
            pages = Pages("keyboard", axe=False)
            keys = Keyboard(page)
            await page.goto(base + "/")
            await page.keyboard.press("Tab")
            assert (await keys.focused())["text"] == "Skip to main content"
            await keys.type_into("name", "PC Jo Bloggs")
            await keys.tab_to(name="agency")
            await page.keyboard.type("Police")  # a select takes the option's first letters
            assert (await keys.focused())["value"] == "police"
            await keys.choose("role", "referrer")
            await keys.tab_to(text="Sign in")
            await page.keyboard.press("Enter")
            await page.wait_for_url(base + "/")

            await keys.tab_to(text="Refer a serious incident concerning a child")
            await page.keyboard.press("Enter")
            await page.wait_for_url(base + "/referrals/child/new")
            await keys.type_into("safeguarding_lead.name", "A. Lead")
            await keys.date("safeguarding_lead.agreed_on", "2026-12-21")
            await keys.type_into("child.reference", "C-1029")
            await keys.date("child.date_of_birth", "2015-04-02")
            await keys.choose("child.looked_after", "false")
            await keys.date("incident.occurred_on", "2026-12-19")
            await keys.date("incident.became_aware_on", "2026-12-21")
            await keys.choose("incident.outcome", "seriously_harmed")
            await keys.choose("incident.abuse_or_neglect", "suspected")
            await keys.type_into("incident.summary", "Found with injuries at home; neglect suspected.")
            for agency in ("local_authority", "police", "icb", "school"):
                await keys.choose("involved_agencies", agency)
            await keys.tab_to(text="Continue")
            await page.keyboard.press("Enter")
            await page.wait_for_url(base + "/referrals/child/check")
            await keys.tab_to(text="Send referral")
            await page.keyboard.press("Enter")
            await page.wait_for_url(re.compile(re.escape(base) + r"/cases/[0-9a-f-]{36}$"))
            await case_ref_on(page)
            await pages.check(page, "case")
        finally:
            await browser.close()


async def test_the_pages_for_when_something_is_wrong_are_accessible_too(site):
    playwright_api = pytest.importorskip("playwright.async_api")
    _, base = site
    pages = Pages("when-wrong")
    async with playwright_api.async_playwright() as p:
        browser = await _browser(p)
        try:
            page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
            await page.goto(base + "/sign-in/local")
            await page.get_by_role("button", name="Sign in").click()
            assert "Select at least one role" in await page.locator(".govuk-error-summary").inner_text()
            await pages.check(page, "sign-in-with-errors")
            await page.get_by_label("Your name").fill("Q. Lead")
            await page.get_by_label("Your agency").select_option("partnership")
            await page.get_by_label("Quality assurance lead").check()
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(base + "/")
            response = await page.goto(base + "/cases?q=RR-")
            assert response.status == 403 and await page.locator("h1").inner_text() == "You cannot do this"
            await pages.check(page, "refused")
            response = await page.goto(base + "/cases/00000000-0000-4000-8000-000000000000")
            assert response.status == 404 and await page.locator("h1").inner_text() == "Page not found"
            response = await page.goto(base + "/no-such-page")
            assert response.status == 404 and await page.locator("h1").inner_text() == "Page not found"
            await pages.check(page, "not-found")
        finally:
            await browser.close()
            pages.save()
