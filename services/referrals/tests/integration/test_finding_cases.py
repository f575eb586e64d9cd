"""Finding cases by reference never lists more than the access table lets be seen (issue 12): a panel
member finds the cases their agency referred, not every case; the business unit and the chair find any;
a reviewer or a reporting reader finds none."""
from __future__ import annotations

from safeguard_testing.apps import bearer, example_child_referral


async def test_a_search_lists_only_what_the_access_table_lets_each_person_see(referrals, issuer):
    refs = {}
    for agency in ("police", "school"):
        referred = await referrals.client.post("/v1/referrals/child", headers=bearer(issuer, agency, "referrer"),
                                               json=example_child_referral(referring_agency=agency))
        refs[agency] = referred.json()["case_ref"]

    async def found(agency: str, role: str) -> set[str] | int:
        answer = await referrals.client.get("/v1/cases", params={"q": "RR-"}, headers=bearer(issuer, agency, role))
        return {c["case_ref"] for c in answer.json()} if answer.status_code == 200 else answer.status_code

    assert await found("school", "panel_member") == {refs["school"]}
    assert await found("housing", "panel_member") == set()
    assert await found("partnership", "business_unit") == set(refs.values())
    assert await found("partnership", "independent_chair") == set(refs.values())
    assert await found("police", "safeguarding_lead") == {refs["police"]}
    assert await found("partnership", "reviewer") == 403
    assert await found("police", "reporting_reader") == 403
