"""A case's documents through the workspace, in front of the real referrals service (SQLite and
PostgreSQL, a real NATS): the business unit adds one and downloads it as it was sent; the police
referrer, whom the referrals service does not let see a case's documents, is shown no documents on
the case's page and is refused the download; an upload without its CSRF token keeps nothing."""
from __future__ import annotations

from referrals.adapters.orm import case_documents

from ..conftest import csrf_of
from .test_pages_over_the_referrals_api import referred_then_signed_out, sign_in

TEXT = b"Chronology\n2026-12-19 seen at home\n"


async def test_documents_are_added_and_read_only_as_the_referrals_service_allows(stack):
    services, _, browser = stack
    case_path = await referred_then_signed_out(browser, "PC Jo Bloggs")

    await sign_in(browser, "Alex Manager", "partnership", "business_unit")
    form = await browser.get(f"{case_path}/documents/new")
    assert 'enctype="multipart/form-data"' in form.text and 'name="file"' in form.text
    refused = await browser.post(f"{case_path}/documents", data={"kind": "other"},
                                 files={"file": ("notes.txt", TEXT, "text/plain")})
    assert refused.status_code == 400 and "This form has expired" in refused.text
    assert await services["referrals"].count(case_documents) == 0, "nothing kept without the CSRF token"
    added = await browser.post(f"{case_path}/documents", data={"kind": "other", "csrf_token": csrf_of(form.text)},
                               files={"file": ("notes.txt", TEXT, "text/plain")})
    assert added.status_code == 303 and added.headers["location"] == case_path
    page = await browser.get(case_path)
    assert "Document added" in page.text and "notes.txt" in page.text
    (document,) = await services["referrals"].rows(case_documents)
    download = await browser.get(f"{case_path}/documents/{document['document_id']}")
    assert download.status_code == 200 and download.content == TEXT
    assert "attachment" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    home = await browser.get("/")
    await browser.post("/sign-out", data={"csrf_token": csrf_of(home.text)})

    await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
    page = await browser.get(case_path)
    assert page.status_code == 200 and "notes.txt" not in page.text and ">Documents<" not in page.text
    download = await browser.get(f"{case_path}/documents/{document['document_id']}")
    assert download.status_code == 403 and TEXT.decode() not in download.text
