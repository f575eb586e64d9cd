"""A safeguarding adult review's forms after intake, in front of the real referrals service (SQLite
and PostgreSQL, a real NATS), at the level of HTTP:

- an involved agency's SAR scoping return, sent from its form, reaches the adults' pathway;
- once the independent chair has agreed the SAR, the business unit takes every step of the review
  from its form — the family told, the reviewers, the initial meeting, the IMRs asked for, a panel
  meeting, a delay with an update and its end, the draft, the committee, the board's sign-off, the
  report shared, publication with a recommendation, the learning event, the findings; the ICB sends
  its IMR from its own form (first by a manager who is not independent, which the API refuses on
  the field, nothing stored);
- the independent chair reviews the sub-group's recommendation not to convene a SAR: on a referral
  meeting the mandatory criteria the API asks for the chair's reason, against its field.
"""
from __future__ import annotations

from referrals.adapters.orm import case_history, cases
from safeguard_testing.apps import bearer

from ..conftest import csrf_of
from .test_pages_over_the_referrals_api import sign_in

TODAY = {"day": "21", "month": "12", "year": "2026"}
REFERRAL = {"referring_agency": "icb", "received_on": "2026-12-21",
            "authorised_by": {"name": "B. Manager", "role": "safeguarding_lead", "authorised_on": "2026-12-21"},
            "adult": {"reference": "A-311", "date_of_birth": "1948-09-12"},
            "criteria": {"died": True, "abuse_or_neglect": "suspected",
                         "concern_agencies_could_have_worked_better": True},
            "summary": "Died after a fall at home.", "involved_agencies": ["adult_social_care", "icb"]}


def on(path: str) -> dict[str, list[str]]:
    """A date field as GOV.UK's three inputs, on the stack's business date."""
    return {f"{path}-{part}": [value] for part, value in TODAY.items()}


async def api(services, issuer, case_id: str, path: str, body: dict, agency: str = "partnership",
              role: str = "business_unit") -> dict:
    answer = await services["referrals"].client.post(f"/v1/cases/{case_id}/sar/{path}", json=body,
                                                     headers=bearer(issuer, agency, role))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def scoping_asked(services, issuer) -> str:
    """An ICB referral, screened and signed off for scoping by the ICB and adult social care."""
    answer = await services["referrals"].client.post("/v1/referrals/adult", json=REFERRAL,
                                                     headers=bearer(issuer, "icb", "referrer"))
    assert answer.status_code == 201, answer.text
    case_id = answer.json()["case_id"]
    await api(services, issuer, case_id, "screening", {
        "business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "proceed_to_scoping",
        "reasons": "Meets the criteria."})
    await api(services, issuer, case_id, "scoping", {"agencies": ["icb", "adult_social_care"]},
              role="independent_chair")
    return case_id


async def scoping_reviewed(services, issuer) -> str:
    case_id = await scoping_asked(services, issuer)
    await api(services, issuer, case_id, "scoping-review", {"on": "2026-12-21"})
    return case_id


async def commissioned(services, issuer) -> str:
    """A SAR the sub-group decided to convene and the independent chair agreed, which commissions it."""
    case_id = await scoping_reviewed(services, issuer)
    await api(services, issuer, case_id, "decision", {"convene": True, "decided_on": "2026-12-21",
                                                      "reasons": "Learning about joint working."})
    await api(services, issuer, case_id, "agreement", {"on": "2026-12-21"}, role="independent_chair")
    return case_id


async def as_person(browser, name: str, agency: str, role: str) -> None:
    """Whoever was signed in signs out; this person signs in."""
    home = await browser.get("/")
    if home.status_code == 200:
        await browser.post("/sign-out", data={"csrf_token": csrf_of(home.text)})
    await sign_in(browser, name, agency, role)


async def take(browser, case_id: str, slug: str, form: dict[str, list[str]]) -> str:
    """One step from its form, as the signed-in person: the case's page it lands on."""
    page = await browser.get(f"/cases/{case_id}/steps/{slug}")
    assert page.status_code == 200, slug
    answer = await browser.post(f"/cases/{case_id}/steps/{slug}", data={**form, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303, f"{slug}: {answer.text[:2000]}"
    return (await browser.get(answer.headers["location"])).text


async def status_of(services, case_id: str) -> str:
    (row,) = [r for r in await services["referrals"].rows(cases) if r["case_id"] == case_id]
    return str(row["status"])


async def test_an_agencys_sar_scoping_return_reaches_the_adults_pathway(stack, issuer):
    services, _, browser = stack
    case_id = await scoping_asked(services, issuer)
    await as_person(browser, "Dr Ana Reyes", "icb", "referrer")
    case_page = await browser.get(f"/cases/{case_id}")
    assert f'href="/cases/{case_id}/scoping-return"' in case_page.text
    form = await browser.get(f"/cases/{case_id}/scoping-return")
    answer = await browser.post(f"/cases/{case_id}/scoping-return", data={
        "no_information_held": ["false"], "information": ["Two GP visits in November."],
        "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 303, answer.text[:2000]
    returns = [h for h in await services["referrals"].rows(case_history) if h["action"] == "scoping_returned"]
    assert [r["case_id"] for r in returns] == [case_id]
    assert "Return your agency&#39;s scoping" not in (await browser.get(f"/cases/{case_id}")).text, "returned"


async def test_the_business_unit_takes_a_commissioned_sar_to_its_learning_event(stack, issuer):
    services, _, browser = stack
    case_id = await commissioned(services, issuer)
    await as_person(browser, "Alex Manager", "partnership", "business_unit")
    await take(browser, case_id, "sar-family-contact", {
        "name": ["J. Smith"], "relationship": ["Son"], "channel": ["email"], "email": ["j.smith@example.org"]})
    await take(browser, case_id, "sar-family-notified", {**on("notified_on"), "by": ["The independent chair"],
                                                         "method": ["A visit"]})
    await take(browser, case_id, "sar-reviewers", {"reviewers": ["R. Independent"], **on("commissioned_on")})
    await take(browser, case_id, "sar-initial-meeting", on("on"))
    page = await take(browser, case_id, "sar-imr-requests", {"agencies": ["icb", "adult_social_care"]})
    assert "Individual management reviews (IMRs) asked for" in page
    await take(browser, case_id, "sar-panel-meeting", {**on("held_on"), **{k: ["None yet."] for k in (
        "progress", "immediate_risks", "learning_to_share", "guidance_to_reviewer", "drafts_reviewed",
        "communications")}})
    page = await take(browser, case_id, "sar-delay", {"reason_code": ["criminal_proceedings"],
                                                      "reason": ["The trial is in March."]})
    assert "/steps/sar-delay-update" in page and "/steps/sar-resume" in page and "/steps/sar-delay\"" not in page
    await take(browser, case_id, "sar-delay-update", {"update": ["The trial has a date."]})
    page = await take(browser, case_id, "sar-resume", {})
    assert "/steps/sar-resume" not in page and "/steps/sar-delay\"" in page

    # The ICB's IMR, from its own form: the author must be independent of the case (the API's rule).
    await as_person(browser, "Dr Ana Reyes", "icb", "referrer")
    assert f'href="/cases/{case_id}/imr"' in (await browser.get(f"/cases/{case_id}")).text
    form = await browser.get(f"/cases/{case_id}/imr")
    imr = {"author_name": ["M. Lead"], "author_role": ["Named nurse"], "author_independent_of_case": ["false"],
           "chronology": ["Contacts in date order."], "review_of_records": ["Records reviewed."],
           "interviews": ["Two interviews."], "csrf_token": [csrf_of(form.text)]}
    refused = await browser.post(f"/cases/{case_id}/imr", data=imr)
    assert refused.status_code == 200 and 'href="#author_independent_of_case"' in refused.text
    assert "an IMR is written by a manager independent of the case" in refused.text
    sent = await browser.post(f"/cases/{case_id}/imr", data={**imr, "author_independent_of_case": ["true"]})
    assert sent.status_code == 303
    assert "/imr\"" not in (await browser.get(f"/cases/{case_id}")).text, "sent: not offered again"

    await as_person(browser, "Alex Manager", "partnership", "business_unit")
    await take(browser, case_id, "sar-draft-report", on("on"))
    await take(browser, case_id, "sar-committee", on("on"))
    await take(browser, case_id, "sar-sign-off", {**on("signed_off_on"), "publish": ["summary"]})
    assert await status_of(services, case_id) == "signed_off"
    await take(browser, case_id, "sar-shared-with-family", on("on"))
    await take(browser, case_id, "sar-publication", {
        **on("published_on"), "recommendations.0.text": ["Share discharge plans"],
        "recommendations.0.owning_agency": ["icb"]})
    await take(browser, case_id, "sar-learning-event", on("on"))
    page = await take(browser, case_id, "sar-findings", {"findings": ["Discharge plans were not shared"]})
    assert await status_of(services, case_id) == "learning_event_held"
    assert "Next steps" not in page, "nothing left to do"
    actions = [h["action"] for h in await services["referrals"].rows(case_history) if h["case_id"] == case_id]
    assert actions[actions.index("sar_agreed") + 1:] == [
        "family_contact_recorded", "family_notified", "reviewers_commissioned", "initial_meeting_held",
        "imrs_requested", "panel_meeting_held", "sar_delayed", "delay_update_sent", "sar_resumed", "imr_submitted",
        "draft_report_presented", "committee_presentation_held", "signed_off", "report_shared_with_family",
        "sar_published", "learning_event_held", "findings_recorded"]
    for line in ("The board signed the report off", "to publish: A summary", "Learning event held",
                 "why: Parallel criminal proceedings"):
        assert line in page, line
    assert "The trial is in March" not in page, "free text stays off the timeline"


async def test_the_chair_reviews_a_recommendation_not_to_convene(stack, issuer):
    services, _, browser = stack
    case_id = await scoping_reviewed(services, issuer)
    await as_person(browser, "Alex Manager", "partnership", "business_unit")
    await take(browser, case_id, "sar-decision", {"convene": ["false"], **on("decided_on"),
                                                  "reasons": ["A single-agency matter."],
                                                  "other_steps": ["single_agency_review", "practice_briefing"]})
    assert await status_of(services, case_id) == "not_convene_recommended"
    assert "/steps/sar-decision-review" not in (await browser.get(f"/cases/{case_id}")).text, "the chair's"

    await as_person(browser, "Pat Chair", "partnership", "independent_chair")
    form = await browser.get(f"/cases/{case_id}/steps/sar-decision-review")
    review = {"confirmed": ["true"], **on("on"), "csrf_token": [csrf_of(form.text)]}
    refused = await browser.post(f"/cases/{case_id}/steps/sar-decision-review", data=review)
    assert refused.status_code == 200 and 'href="#mandatory_override_reason"' in refused.text
    assert "meets the Care Act s44 mandatory criteria" in refused.text
    assert await status_of(services, case_id) == "not_convene_recommended", "nothing stored"
    page = await take(browser, case_id, "sar-decision-review", {
        "confirmed": ["true"], **on("on"), "mandatory_override_reason": ["The family asked for none."]})
    assert await status_of(services, case_id) == "not_convened"
    assert "The independent chair confirmed the decision" in page
    assert "instead: A single-agency review, A practice briefing" in page
