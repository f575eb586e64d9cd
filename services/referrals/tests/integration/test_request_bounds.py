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

