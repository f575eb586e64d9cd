"""A case's history is read under the access table (issue 12): a reporting reader of the referring agency
reads none of it; the referring agency's referrer reads what was done and when without the free text
(reasons, a family's contact); the business unit reads it whole. Every read is recorded, as a read of
the case is. On SQLite and PostgreSQL, through the API."""
from __future__ import annotations

from referrals.adapters.orm import access_log
from safeguard_testing.apps import bearer

REASONS = "FREE-TEXT the son asked us not to write to his mother's address"
CONTACT = {"name": "FREE-TEXT Sam Family", "relationship": "son", "channel": "email",
           "email": "sam.family@example.org"}


async def screened_with_reasons(referrals, issuer, adult_referral) -> str:
    icb = bearer(issuer, "icb", "referrer")
    case_id = (await referrals.client.post("/v1/referrals/adult", json=adult_referral(), headers=icb)).json()["case_id"]
    bu = bearer(issuer, "partnership", "business_unit")
    screened = await referrals.client.post(f"/v1/cases/{case_id}/sar/screening", headers=bu, json={
        "business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "proceed_to_scoping",
        "reasons": REASONS})
    contact = await referrals.client.post(f"/v1/cases/{case_id}/sar/family-contact", headers=bu, json=CONTACT)
    assert (screened.status_code, contact.status_code) == (200, 200), (screened.text, contact.text)
    return case_id


async def test_a_reporting_reader_of_the_referring_agency_reads_no_history(referrals, issuer, adult_referral):
    case_id = await screened_with_reasons(referrals, issuer, adult_referral)

    response = await referrals.client.get(f"/v1/cases/{case_id}/history",
                                          headers=bearer(issuer, "icb", "reporting_reader"))

    assert response.status_code == 403
    assert "FREE-TEXT" not in response.text
    assert await referrals.count(access_log) == 0


async def test_the_referring_agency_reads_the_history_without_its_free_text_and_the_read_is_recorded(
        referrals, issuer, adult_referral):
    case_id = await screened_with_reasons(referrals, issuer, adult_referral)

    response = await referrals.client.get(f"/v1/cases/{case_id}/history", headers=bearer(issuer, "icb", "referrer"))

    assert response.status_code == 200
    assert "FREE-TEXT" not in response.text and "sam.family" not in response.text
    lines = {line["action"]: line["detail"] for line in response.json()}
    assert lines["sar_screened"] == {"business_manager_agrees": True, "panel_chair_agrees": True,
                                     "outcome": "proceed_to_scoping"}
    assert lines["family_contact_recorded"] == {"channel": "email"}
    [read] = await referrals.rows(access_log)
    assert (read["case_id"], read["subject"], read["agency"]) == (case_id, "icb-referrer", "icb")


async def test_the_business_unit_reads_the_whole_history_and_the_read_is_recorded(referrals, issuer, adult_referral):
    case_id = await screened_with_reasons(referrals, issuer, adult_referral)

    response = await referrals.client.get(f"/v1/cases/{case_id}/history",
                                          headers=bearer(issuer, "partnership", "business_unit"))

    assert response.status_code == 200
    lines = {line["action"]: line["detail"] for line in response.json()}
    assert lines["sar_screened"]["reasons"] == REASONS
    assert lines["family_contact_recorded"]["name"] == CONTACT["name"]
    assert [r["subject"] for r in await referrals.rows(access_log)] == ["partnership-business_unit"]
