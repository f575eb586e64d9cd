"""The panel's, the chair's and the board's pages in front of the real referrals, scheduling and reporting
services (SQLite and PostgreSQL, a real NATS), at the level of HTTP.

A police panel member reads the rapid review's pack (the agencies' returns, free text included) and
the meeting as booked and attended; the business unit adds a confidential draft (a form without its
CSRF token keeps nothing; an empty one is the API's 422 on the field); the panel member reads it, and
the referrals service records each read as theirs; the police's safeguarding lead, whom the access
table does not allow drafts, gets the "refused" page and nothing of the draft. The independent chair
finds a SAR awaiting their review of the sub-group's decision not to convene and confirms it. A
board member reads the dashboard; a referrer is refused it by reporting.
"""
from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest

from referrals.adapters.orm import access_log, case_history
from safeguard_testing.apps import bearer, example_child_referral, running
from safeguard_testing.toy import eventually
from workspace.application.words import date_in_words

from ..conftest import csrf_of, workspace_app
from .test_pages_over_the_referrals_api import sign_in

SECRET_DRAFT = "Draft one: the agencies did not share the health visitor's concerns."


@pytest.fixture
def over(databases, nats_url, bus_namespace, tmp_path, issuer):
    """The workspace in front of the named real services (each test starts only those it needs), and
    a browser-like client of it."""
    @asynccontextmanager
    async def pages_over(*names: str):
        async with AsyncExitStack() as stack:
            services = await stack.enter_async_context(running(
                ["referrals", *names], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                data_dir=tmp_path / "services", issuer=issuer))
            app = await stack.enter_async_context(workspace_app(
                tmp_path, issuer, services["referrals"].app, **{f"{n}_app": services[n].app for n in names}))
            browser = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8100"))
            yield services, browser

    return pages_over


async def meeting_window_start(services, issuer, case_id: str) -> str:
    """The first day of the rapid review meeting's window, once scheduling has counted it (over the bus)."""
    async def counted() -> str | None:
        answer = await services["scheduling"].client.get("/v1/deadlines", params={"case_id": case_id},
                                                         headers=bearer(issuer, "partnership", "business_unit"))
        found = [d for d in answer.json() if d["key"] == "rr.meeting"] if answer.status_code == 200 else []
        return found[0]["window_start"] if found else None

    start = await eventually(counted, timeout=20)
    assert start, "scheduling never counted the meeting's window"
    return str(start)


async def a_decided_cspr(services, issuer) -> tuple[str, str]:
    """The police refer; the business unit takes the rapid review to a CSPR through the API (the police
    returning their scoping on the way) and as far as its terms of reference, after which drafts are
    written: the state a panel meets the case in. The case, and the date
    its meeting was booked for."""
    api = services["referrals"].client
    bu = bearer(issuer, "partnership", "business_unit")
    case = (await api.post("/v1/referrals/child", json=example_child_referral(),
                           headers=bearer(issuer, "police", "referrer"))).json()
    case_id = case["case_id"]
    meeting_on = await meeting_window_start(services, issuer, case_id)
    scoping = {"involved_agencies": ["local_authority", "police", "icb"], "meeting_on": meeting_on,
               "meeting_time": "14:30", "meeting_place": "Room 2, Civic Centre"}

    async def scoping_requested() -> httpx.Response | None:
        # The referrals service hears of the window over the bus too; until then its 409 says so.
        answer = await api.post(f"/v1/cases/{case_id}/scoping", json=scoping, headers=bu)
        return None if answer.status_code == 409 and "not known yet" in answer.text else answer

    requested = await eventually(scoping_requested, timeout=20, interval=0.2)
    assert requested is not None and requested.status_code == 200, requested and requested.text
    for path, body, who in (
            ("scoping-returns/police", {"records_secured": True, "no_information_held": False,
                                        "involvement": "Two domestic abuse call-outs in 2026."},
             bearer(issuer, "police", "safeguarding_lead")),
            ("meeting/attendance", {"attendees": [{"agency": a, "name": n, "role": "Lead"} for a, n in
                                                  (("local_authority", "L. Head"), ("police", "DI Khan"),
                                                   ("icb", "Dr Osei"))]}, bu),
            ("meeting/held", {"held_on": "2026-12-21", "reason": "Brought forward."}, bu),
            ("decision", {"decision": "cspr", "rationale": "Learning about joint working."}, bu),
            ("cspr/reviewers", {"reviewers": ["R. Independent"]}, bu),
            ("cspr/terms", {"methodology": "Systems.", "terms_of_reference": "Joint working."}, bu)):
        answer = await api.post(f"/v1/cases/{case_id}/{path}", json=body, headers=who)
        assert answer.status_code in (200, 201), (path, answer.text)
    return case_id, meeting_on


async def test_a_panel_member_reads_the_pack_the_meeting_and_a_draft_the_business_unit_added(over, issuer):
    async with over("scheduling") as (services, browser):
        await panel_member_then_business_unit_then_lead(services, browser, issuer)


async def panel_member_then_business_unit_then_lead(services, browser, issuer) -> None:
    case_id, meeting_on = await a_decided_cspr(services, issuer)

    await sign_in(browser, "Sam Panel", "police", "panel_member")
    start = await browser.get("/")
    assert 'href="/panel"' in start.text and 'href="/dashboard"' not in start.text
    case_page = await browser.get(f"/cases/{case_id}")
    for link in ("pack", "meeting", "drafts"):
        assert f'href="/cases/{case_id}/{link}"' in case_page.text, link
    pack = await browser.get(f"/cases/{case_id}/pack")
    assert pack.status_code == 200 and "Two domestic abuse call-outs in 2026." in pack.text
    assert "C-CANARY-1029" in pack.text, "the referral's detail, for the panel"
    meeting = await browser.get(f"/cases/{case_id}/meeting")
    assert date_in_words(meeting_on) in meeting.text and "14:30" in meeting.text
    assert "Room 2, Civic Centre" in meeting.text
    assert "Quorate" in meeting.text and "Held on Monday 21 December 2026" in meeting.text
    drafts = await browser.get(f"/cases/{case_id}/drafts")
    assert drafts.status_code == 200 and "No drafts yet" in drafts.text
    assert "/drafts/new" not in drafts.text, "a panel member reads drafts; the review's writers add them"
    await browser.post("/sign-out", data={"csrf_token": csrf_of(drafts.text)})

    await sign_in(browser, "Alex Manager", "partnership", "business_unit")
    form = await browser.get(f"/cases/{case_id}/drafts/new")
    unsigned = await browser.post(f"/cases/{case_id}/drafts", data={"text": SECRET_DRAFT})
    assert unsigned.status_code == 400 and "This form has expired" in unsigned.text
    empty = await browser.post(f"/cases/{case_id}/drafts", data={"text": "", "csrf_token": csrf_of(form.text)})
    assert empty.status_code == 200 and 'href="#text"' in empty.text and "Enter the draft report" in empty.text
    assert not [h for h in await services["referrals"].rows(case_history) if h["action"] == "cspr_draft"]
    kept = await browser.post(f"/cases/{case_id}/drafts", data={"text": SECRET_DRAFT, "csrf_token": csrf_of(form.text)})
    assert kept.status_code == 303 and kept.headers["location"] == f"/cases/{case_id}/drafts"
    listed = await browser.get(kept.headers["location"])
    assert "Draft added" in listed.text and f'href="/cases/{case_id}/drafts/1"' in listed.text
    await browser.post("/sign-out", data={"csrf_token": csrf_of(listed.text)})

    await sign_in(browser, "Sam Panel", "police", "panel_member")
    draft = await browser.get(f"/cases/{case_id}/drafts/1")
    assert draft.status_code == 200 and SECRET_DRAFT.replace("'", "&#39;") in draft.text
    assert "Unpublished draft" in draft.text and "strictly confidential" in draft.text
    for missing in ("7", "first"):
        assert (await browser.get(f"/cases/{case_id}/drafts/{missing}")).status_code == 404, missing
    reads = [(r["subject"], r["operation"]) for r in await services["referrals"].rows(access_log)
             if r["subject"] == "police:sam-panel"]
    assert ("police:sam-panel", "document pack") in reads and ("police:sam-panel", "CSPR drafts") in reads
    await browser.post("/sign-out", data={"csrf_token": csrf_of(draft.text)})

    # The police's safeguarding lead reads the pack but never the drafts: the service's refusal, on the page.
    await sign_in(browser, "Kim Lead", "police", "safeguarding_lead")
    refused = await browser.get(f"/cases/{case_id}/drafts/1")
    assert refused.status_code == 403 and "You cannot do this" in refused.text
    assert "health visitor" not in refused.text
    assert not [r for r in await services["referrals"].rows(access_log)
                if r["subject"] == "police:kim-lead" and r["operation"] == "CSPR drafts"], "a refusal reads nothing"


async def a_sar_not_to_convene(services, issuer, *, mandatory: bool = False, reference: str = "A-311") -> str:
    """A SAR screened, signed off for scoping, its scoping reviewed, and the sub-group recommending not to
    convene it; ``mandatory``: the referral meets the Care Act s44 criteria (a concern about how
    agencies worked together), so not convening it needs the chair's reason."""
    api = services["referrals"].client
    bu, chair = bearer(issuer, "partnership", "business_unit"), bearer(issuer, "partnership", "independent_chair")
    referral = {"referring_agency": "icb", "received_on": "2026-12-21",
                "authorised_by": {"name": "B. Manager", "role": "safeguarding_lead", "authorised_on": "2026-12-21"},
                "adult": {"reference": reference, "date_of_birth": "1948-09-12"},
                "criteria": {"died": True, "abuse_or_neglect": "suspected",
                             "concern_agencies_could_have_worked_better": mandatory},
                "summary": "Died after a fall at home.", "involved_agencies": ["adult_social_care", "icb"]}
    case = (await api.post("/v1/referrals/adult", json=referral, headers=bearer(issuer, "icb", "referrer"))).json()
    for path, body, who in (
            ("sar/screening", {"business_manager_agrees": True, "panel_chair_agrees": True,
                               "outcome": "proceed_to_scoping", "reasons": "Worth scoping."}, bu),
            ("sar/scoping", {"agencies": ["adult_social_care", "icb"]}, chair),
            ("sar/scoping-review", {"on": "2026-12-21"}, bu),
            ("sar/decision", {"convene": False, "decided_on": "2026-12-21", "reasons": "A single-agency review.",
                              "other_steps": ["single_agency_review"]}, bu)):
        answer = await api.post(f"/v1/cases/{case['case_id']}/{path}", json=body, headers=who)
        assert answer.status_code == 200, (path, answer.text)
    return case["case_id"]


async def test_the_chair_confirms_the_sub_groups_decision_not_to_convene(over, issuer):
    async with over() as (services, browser):
        await chair_reviews(services, browser, issuer)


async def chair_reviews(services, browser, issuer) -> None:
    case_id = await a_sar_not_to_convene(services, issuer)
    await sign_in(browser, "Pat Chair", "partnership", "independent_chair")
    panel = await browser.get("/panel")
    assert f'href="/cases/{case_id}/steps/sar-decision-review"' in panel.text
    assert f'href="/cases/{case_id}/steps/sar-decision-review"' in (await browser.get(f"/cases/{case_id}")).text
    form = await browser.get(f"/cases/{case_id}/steps/sar-decision-review")
    review = {"confirmed": ["true"], "on-day": ["21"], "on-month": ["12"], "on-year": ["2026"],
              "reasons": ["Agreed."]}
    unsigned = await browser.post(f"/cases/{case_id}/steps/sar-decision-review", data=review)
    assert unsigned.status_code == 400
    done = await browser.post(f"/cases/{case_id}/steps/sar-decision-review",
                              data={**review, "csrf_token": csrf_of(form.text)})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}"
    page = await browser.get(done.headers["location"])
    assert "Your review of the decision recorded" in page.text and "Not convened" in page.text
    assert "sar-decision-review" not in page.text, "reviewed once"
    # Sent again: the API's 409 in its words, at the top of the form.
    again = await browser.post(f"/cases/{case_id}/steps/sar-decision-review",
                               data={**review, "csrf_token": csrf_of(form.text)})
    assert again.status_code == 200 and "There is a problem" in again.text


async def test_a_board_member_reads_the_dashboard_and_a_referrer_is_refused_it(over):
    async with over("reporting") as (_, browser):
        await board_member_then_referrer(browser)


async def board_member_then_referrer(browser) -> None:
    await sign_in(browser, "Dr Board", "partnership", "reporting_reader")
    start = await browser.get("/")
    assert 'href="/dashboard"' in start.text and 'href="/panel"' not in start.text
    page = await browser.get("/dashboard")
    assert page.status_code == 200
    for heading in ("At a glance", "Timeliness against the timescales", "Work overdue now", "Learning themes",
                    "The annual report's figures: 2026-27"):
        assert heading in page.text, heading
    chosen = await browser.get("/dashboard?year=2025")
    assert '<option value="2025" selected>' in chosen.text and "figures: 2025-26" in chosen.text
    await browser.post("/sign-out", data={"csrf_token": csrf_of(page.text)})

    await sign_in(browser, "PC Jo Bloggs", "police", "referrer")
    refused = await browser.get("/dashboard")
    assert refused.status_code == 403 and "You cannot do this" in refused.text
