"""GET /v1/cases without a reference lists the cases the reader may find, newest first: an agency's
referrers and safeguarding lead their own agency's referrals with each one's status (the workspace's
"my agency's referrals"), the business unit every case (its worklist). Who may find what is the
search's own rule, unchanged; every case listed is a recorded read. On SQLite and PostgreSQL.
"""
from __future__ import annotations

from referrals.adapters.orm import access_log
from safeguard_testing.apps import bearer, example_child_referral


async def test_an_agency_lists_its_own_referrals_and_the_business_unit_every_case(referrals, issuer,
                                                                                 adult_referral):
    api = referrals.client
    police = await api.post("/v1/referrals/child", json=example_child_referral(),
                            headers=bearer(issuer, "police", "referrer"))
    returned = await api.post("/v1/referrals/adult", json=adult_referral(authorised_by=None),
                              headers=bearer(issuer, "icb", "referrer"))
    assert police.status_code == returned.status_code == 201
    assert returned.json()["status"] == "returned"

    async def listed(agency: str, role: str) -> dict[str, str]:
        answer = await api.get("/v1/cases", headers=bearer(issuer, agency, role))
        assert answer.status_code == 200, answer.text
        return {c["case_ref"]: c["status"] for c in answer.json()}

    assert await listed("icb", "referrer") == {returned.json()["case_ref"]: "returned"}
    assert await listed("police", "safeguarding_lead") == {police.json()["case_ref"]: "rapid_review"}
    assert await listed("partnership", "business_unit") == {returned.json()["case_ref"]: "returned",
                                                            police.json()["case_ref"]: "rapid_review"}
    assert await listed("school", "referrer") == {}
    refused = await api.get("/v1/cases", headers=bearer(issuer, "partnership", "qa_lead"))
    assert refused.status_code == 403
    assert sorted(r["agency"] for r in await referrals.rows(access_log)) == [
        "icb", "partnership", "partnership", "police"]
