"""An agency's safeguarding lead does the agency's part in a real browser (Debian's Chromium through
Playwright), in front of the real referrals and scheduling services on a real NATS:

the police refer a child serious incident and the business unit asks the local authority, the police
and the ICB for scoping. The ICB's safeguarding lead — an involved agency, not the referrer — signs
in, finds the scoping return due among the agency's work (the duty in words, its date in words),
opens the scoping return form, sends it without describing the agency's involvement (the API's rule,
shown against the field), puts it right and sends it with the agency's chronology. The case's page
then lists the chronology, which downloads as it was sent; a program renamed ``.pdf`` is refused,
the error summary naming the file field.

axe-core finds no serious or critical violation on any page; each page is photographed under
test-artifacts/workspace/. The same walk is done with JavaScript off. And the scoping request the
ICB was e-mailed (the .eml the notifications service wrote) links to the case by its reference: the
link, followed, asks the lead to sign in and then shows the case, from which the return is made.
"""
from __future__ import annotations

import asyncio
import email
import re
from email import policy
from pathlib import Path

import pytest

from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import EXAMPLE_DATE, bearer
from workspace.application.words import date_in_words

from .test_pathways_in_chromium import deadlines_of, refer, sign_in_as
from .test_referral_in_chromium import CHROMIUM, Pages, browser_page, served_site

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: apt-get install -y chromium (CI's .ci/run does)")
CHRONOLOGY = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64)


@pytest.fixture
async def site(sqlite_databases, nats_url, bus_namespace, tmp_path, issuer):
    """Referrals, scheduling and notifications (an agency's clock starts when its scoping request is
    sent) on a real NATS, the workspace in front; every clock on Monday 21 December 2026."""
    async with served_site(["referrals", "scheduling", "notifications"], sqlite_databases, nats_url,
                           bus_namespace, tmp_path, issuer, clock=FixedDateClock(EXAMPLE_DATE)) as served:
        yield served


async def scoping_requested(services, issuer) -> tuple[dict, dict]:
    """A police referral whose scoping the business unit asked of three agencies; the ICB's return due."""
    case = await refer(services, issuer)
    meeting = next(d for d in await deadlines_of(services, issuer, case["case_id"], "rr.meeting")
                   if d["key"] == "rr.meeting")
    for _ in range(100):  # the case hears of its meeting window from scheduling, over the bus
        answer = await services["referrals"].client.post(
            f"/v1/cases/{case['case_id']}/scoping", headers=bearer(issuer, "partnership", "business_unit"),
            json={"involved_agencies": ["local_authority", "police", "icb"], "meeting_on": meeting["window_start"]})
        if answer.status_code != 409:
            break
        await asyncio.sleep(0.1)
    assert answer.status_code == 200, answer.text
    for _ in range(200):  # each agency's clock starts when its scoping request actually left
        due = [d for d in await deadlines_of(services, issuer, case["case_id"], "rr.scoping_returned")
               if d["key"] == "rr.scoping_returned" and d.get("agency") == "icb"]
        if due:
            return case, due[0]
        await asyncio.sleep(0.1)
    raise AssertionError("the ICB's scoping return was never due")


async def walk_the_scoping_return(page, base: str, pages: Pages, case: dict, due: dict) -> None:
    case_url = f"{base}/cases/{case['case_id']}"
    await sign_in_as(page, base, "Dr Sam Lead", "icb", "Agency safeguarding lead")
    await page.get_by_role("link", name="Your agency's work").first.click()
    await page.wait_for_url(base + "/agency-work")
    row = page.locator("#agency-work tbody tr", has_text=case["case_ref"])
    text = await row.inner_text()
    assert "The agency returns its initial scoping and information sharing template" in text
    assert date_in_words(due["due"]) in text and "rr." not in text
    await pages.check(page, "agency-work")

    await row.get_by_role("link", name=re.compile("Return your scoping")).click()
    await page.wait_for_url(case_url + "/scoping-return")
    await pages.check(page, "scoping-return")
    # Records secured, but no involvement described and "no information held" not said: the API's rule.
    await page.locator('[name="records_secured"][value="true"]').check()
    await page.get_by_role("button", name="Send the scoping return").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert "describe the agency's involvement" in await summary.inner_text()
    await pages.check(page, "scoping-return-with-error")
    await summary.get_by_role("link").click()
    assert await page.evaluate("document.activeElement.name") == "involvement"
    await page.locator('[name="involvement"]').fill("Health visiting from birth; two missed appointments.")
    await page.set_input_files('[name="file"]', files=[{"name": "ICB chronology.pdf", "mimeType": "application/pdf",
                                                        "buffer": CHRONOLOGY}])
    await page.get_by_role("button", name="Send the scoping return").click()
    await page.wait_for_url(case_url)
    assert "Scoping returned, with your chronology" in await page.locator(".govuk-notification-banner").inner_text()
    documents = page.locator("#documents")
    assert "ICB chronology.pdf" in await documents.inner_text()
    assert "Chronology" in await documents.inner_text()
    assert "Integrated care board" in await documents.inner_text()
    assert await page.get_by_role("link", name="Return your agency's scoping").count() == 0, "returned once"
    await pages.check(page, "case-with-chronology")
    async with page.expect_download() as download_info:
        await documents.get_by_role("link", name="ICB chronology.pdf").click()
    download = await download_info.value
    assert download.suggested_filename == "ICB chronology.pdf"
    assert Path(await download.path()).read_bytes() == CHRONOLOGY

    # A program renamed .pdf: judged by its content, refused, named against the file field.
    await page.get_by_role("link", name="Add a document").click()
    await page.wait_for_url(case_url + "/documents/new")
    await pages.check(page, "add-document")
    await page.get_by_label("Other").check()
    await page.set_input_files('[name="file"]', files=[{"name": "report.pdf", "mimeType": "application/pdf",
                                                        "buffer": PROGRAM}])
    await page.get_by_role("button", name="Add the document").click()
    await summary.wait_for()
    assert "PDF" in await summary.inner_text()
    await pages.check(page, "add-document-refused")
    await summary.get_by_role("link").click()
    assert await page.evaluate("document.activeElement.name") == "file"
    await page.goto(case_url)
    assert "report.pdf" not in await page.locator("#documents").inner_text(), "nothing kept"


async def test_an_agency_returns_its_scoping_with_a_chronology(site, issuer):
    services, base = site
    case, due = await scoping_requested(services, issuer)
    pages = Pages("agency-lead")
    async with browser_page(pages=pages) as page:
        await walk_the_scoping_return(page, base, pages, case, due)


async def test_the_scoping_return_works_with_javascript_switched_off(site, issuer):
    services, base = site
    case, due = await scoping_requested(services, issuer)
    async with browser_page(javascript=False) as page:
        await walk_the_scoping_return(page, base, Pages("agency-lead-javascript-off", axe=False), case, due)


async def the_email_to(services, agency_address: str, case_ref: str, subject_has: str) -> email.message.EmailMessage:
    """The message as the notifications service wrote it to its outbox folder (a real .eml)."""
    outbox = services["notifications"].data_dir / "outbox"
    for _ in range(100):
        for path in sorted(outbox.rglob("*.eml")) if outbox.exists() else []:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if agency_address in str(message["To"]) and subject_has in str(message["Subject"]).lower() \
                    and case_ref in message.get_body(("plain",)).get_content():
                return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"no e-mail to {agency_address} about {case_ref}")


async def test_the_scoping_request_emails_link_opens_the_case_for_its_recipient_after_sign_in(site, issuer):
    services, base = site
    case, _due = await scoping_requested(services, issuer)
    message = await the_email_to(services, "icb-safeguarding@", case["case_ref"], "scoping")
    body = message.get_body(("plain",)).get_content()
    links = re.findall(re.escape(base) + r"/[^\s),]*", body)
    assert links and all("q=" + case["case_ref"] in link for link in links), body
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", body), "no case id in the message"
    pages = Pages("email-link")
    async with browser_page(pages=pages) as page:
        await page.goto(links[0])
        assert page.url.startswith(base + "/sign-in"), "the page needs sign-in"
        await page.get_by_label("Your name").fill("Dr Sam Lead")
        await page.get_by_label("Your agency").select_option("icb")
        await page.get_by_label("Agency safeguarding lead", exact=True).check()
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(links[0])
        await pages.check(page, "case-found-from-the-email")
        await page.get_by_role("link", name=case["case_ref"]).click()
        await page.wait_for_url(f"{base}/cases/{case['case_id']}")
        assert await page.get_by_role("link", name="Return your agency's scoping").count() == 1
        await pages.check(page, "case-from-the-email")
