"""What a request to referrals carries is bounded and well formed: an email address is checked with
a library (no DNS look-up) and a malformed one is a 422 naming the field. On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from safeguard_testing.apps import bearer

CONTACT = {"name": "B. Son", "relationship": "son", "channel": "email"}


@pytest.mark.parametrize("email", ["b.son@", "not an address", "b..son@example.org", "b@exa mple.org",
                                   "b@example.org\nBcc: x@example.org"])
async def test_a_malformed_family_contact_email_is_a_422_naming_the_field(referrals, issuer, adult_referral,
                                                                          email):
    icb = bearer(issuer, "icb", "referrer")
    body = {**adult_referral(), "family_contact": {**CONTACT, "email": email}}
    refused = await referrals.client.post("/v1/referrals/adult", json=body, headers=icb)
    assert refused.status_code == 422, refused.text
    locs = [problem["loc"] for problem in refused.json()["detail"]]
    assert ["body", "family_contact", "email"] in locs


async def test_a_well_formed_family_contact_email_is_taken_without_a_dns_look_up(referrals, issuer,
                                                                                  adult_referral):
    icb = bearer(issuer, "icb", "referrer")
    body = {**adult_referral(), "family_contact": {**CONTACT, "email": "b.son@example.org"}}
    taken = await referrals.client.post("/v1/referrals/adult", json=body, headers=icb)
    assert taken.status_code == 201, taken.text


async def test_an_oversized_list_or_field_is_a_422_naming_it(referrals, issuer, adult_referral):
    bu = bearer(issuer, "partnership", "business_unit")
    case_id = "0b6f3c1e-5d0a-4a8e-9a53-1f0c2b7d9e41"  # the body is refused before the case is looked up
    too_many = {"findings": ["a finding"] * 201}
    refused = await referrals.client.post(f"/v1/cases/{case_id}/sar/findings", json=too_many, headers=bu)
    assert refused.status_code == 422, refused.text
    assert ["body", "findings"] in [problem["loc"] for problem in refused.json()["detail"]]
    too_long = {"findings": ["a finding", "x" * 20_001]}
    refused = await referrals.client.post(f"/v1/cases/{case_id}/sar/findings", json=too_long, headers=bu)
    assert refused.status_code == 422, refused.text
    assert ["body", "findings", 1] in [problem["loc"] for problem in refused.json()["detail"]]
    agencies = {"agencies": [f"agency-{n}" for n in range(21)]}
    refused = await referrals.client.post(f"/v1/cases/{case_id}/sar/scoping", json=agencies, headers=bu)
    assert refused.status_code == 422, refused.text
    assert ["body", "agencies"] in [problem["loc"] for problem in refused.json()["detail"]]
