"""The new forms in front of the real referrals service (SQLite and PostgreSQL, a real NATS), at the
level of HTTP: each refuses a post without its CSRF token and writes nothing; a step out of order is
the API's own reason on the form; a returned SAR referral is put right and sent again into the same
case; and a case's page without the scheduling service still shows the case and says why its
deadlines are missing."""
from __future__ import annotations

import re

from referrals.adapters.orm import case_history, cases

from ..conftest import csrf_of
from .test_pages_over_the_referrals_api import referred_then_signed_out, sign_in

ADULT = {"adult.reference": ["A-311"], "adult.date_of_birth-day": ["12"], "adult.date_of_birth-month": ["9"],
         "adult.date_of_birth-year": ["1948"], "criteria.died": ["true"], "criteria.abuse_or_neglect": ["suspected"],
         "summary": ["Died after a fall at home."], "involved_agencies": ["adult_social_care", "icb"]}
AUTHORISED = {"authorised_by.name": ["B. Manager"], "authorised_by.role": ["senior_manager"],
              "authorised_by.authorised_on": ["2026-12-21"]}


async def test_every_new_form_refuses_a_post_without_its_csrf_token(stack):
    services, _, browser = stack
    await sign_in(browser, "Alex Manager", "partnership", "business_unit", "referrer")
    for path, form in (("/referrals/adult", {**ADULT, "referring_agency": ["icb"]}),
                       ("/referrals/adult/check", ADULT),
                       ("/cases/00000000-0000-4000-8000-000000000000/steps/scoping", {"meeting_on": ["2027-01-05"]})):
        answer = await browser.post(path, data=form)
        assert answer.status_code == 400 and "This form has expired" in answer.text, path
    assert await services["referrals"].count(cases) == 0


async def test_a_step_out_of_order_is_the_apis_reason_on_the_form(stack):
    services, _, browser = stack
    case_path = await referred_then_signed_out(browser, "PC Jo Bloggs")

    await sign_in(browser, "Alex Manager", "partnership", "business_unit")
    case_page = await browser.get(case_path)
    assert "The deadlines cannot be shown just now: the scheduling service did not answer" in case_page.text
    assert f'href="{case_path}/steps/scoping"' in case_page.text
    assert "/steps/meeting-held" not in case_page.text, "not offered before scoping"
    form = await browser.get(f"{case_path}/steps/meeting-held")
    answer = await browser.post(f"{case_path}/steps/meeting-held", data={
        "held_on": ["2026-12-21"], "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 200 and "There is a problem" in answer.text
    assert "The meeting can be held once scoping has been requested" in answer.text
    assert 'href="#held_on-day"' in answer.text
    assert [h["action"] for h in await services["referrals"].rows(case_history)] == ["referred"]


async def test_a_returned_sar_referral_is_put_right_into_the_same_case(stack):
    services, _, browser = stack
    await sign_in(browser, "Dr Ana Reyes", "icb", "referrer")
    page = await browser.get("/referrals/adult/new")
    assert 'name="authorised_by.authorised_on-day"' in page.text and 'name="criteria.died"' in page.text
    token = csrf_of(page.text)
    returned = await browser.post("/referrals/adult", data={**ADULT, "referring_agency": ["icb"],
                                                            "csrf_token": token})
    assert returned.status_code == 200 and "was returned" in returned.text
    assert 'href="#authorised_by.name"' in returned.text and 'value="A-311"' in returned.text
    case_id = re.search(r'name="resubmission_of" value="([0-9a-f-]{36})"', returned.text).group(1)

    mine = await browser.get("/referrals")
    assert "Returned to the referrer" in mine.text
    assert f'href="/referrals/adult/{case_id}/resubmission"' in mine.text
    again = await browser.get(f"/referrals/adult/{case_id}/resubmission")
    assert "must be authorised by the agency&#39;s safeguarding lead" in again.text

    sent = await browser.post("/referrals/adult", data={**ADULT, **AUTHORISED, "referring_agency": ["icb"],
                                                        "resubmission_of": [case_id], "csrf_token": token})
    assert sent.status_code == 303 and sent.headers["location"] == f"/cases/{case_id}"
    (row,) = await services["referrals"].rows(cases)
    assert row["case_id"] == case_id and row["status"] == "received"
    assert "Referral sent again" in (await browser.get(sent.headers["location"])).text
