"""Fixtures the referrals service's tests share."""
from __future__ import annotations

import pytest

from safeguard_testing.apps import migrated


@pytest.fixture
async def referrals(databases, tmp_path, issuer):
    """The service's app on its migrated store (SQLite and PostgreSQL); no broker, so the outbox keeps
    exactly what a request wrote."""
    async with migrated("referrals", database_url=await databases.anew("referrals"), data_dir=tmp_path,
                        issuer=issuer) as service:
        yield service


def _adult_referral(criteria: dict | None = None, reference: str = "A-311", **changes) -> dict:
    body = {
        "referring_agency": "icb",
        "authorised_by": {"name": "B. Manager", "role": "safeguarding_lead", "authorised_on": "2026-12-21"},
        "received_on": "2026-12-21",
        "adult": {"reference": reference, "date_of_birth": "1948-09-12"},
        "criteria": criteria or {"died": True, "abuse_or_neglect": "suspected",
                                 "concern_agencies_could_have_worked_better": True},
        "summary": "…",
        "involved_agencies": ["adult_social_care", "icb", "police", "housing"],
    }
    body.update(changes)
    return body


@pytest.fixture
def adult_referral():
    """A well-formed SAR referral, mandatory criteria by default:
    ``adult_referral(criteria, reference, **changes)``."""
    return _adult_referral
