"""Fixtures the referrals service's tests share."""
from __future__ import annotations

import json

import pytest

from referrals.adapters.orm import cases, outbox
from safeguard_testing.apps import bearer, migrated


@pytest.fixture
async def referrals(databases, tmp_path, issuer):
    """The service's app on its migrated store (SQLite and PostgreSQL); no broker, so the outbox keeps
    exactly what a request wrote."""
    async with migrated("referrals", database_url=await databases.at_head("referrals"), data_dir=tmp_path,
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


class People:
    """The people of a SAR (the business unit, the independent chair, the ICB's referrer) at the
    service's API, and what its store then holds: the events a step owes (from the outbox), the
    case's history and its stored state."""

    def __init__(self, referrals, issuer, adult_referral):
        self.r = referrals
        self.adult_referral = adult_referral
        self.bu = bearer(issuer, "partnership", "business_unit")
        self.chair = bearer(issuer, "partnership", "independent_chair")
        self.icb = bearer(issuer, "icb", "referrer")

    async def refer(self, criteria: dict, reference: str = "A-311") -> str:
        response = await self.r.client.post("/v1/referrals/adult", json=self.adult_referral(criteria, reference),
                                             headers=self.icb)
        assert response.status_code == 201, response.text
        return response.json()["case_id"]

    async def step(self, case_id: str, path: str, body: dict, who: dict):
        return await self.r.client.post(f"/v1/cases/{case_id}/sar{path}", json=body, headers=who)

    async def envelopes(self, case_id: str, kind: str | None = None) -> list[dict]:
        return [json.loads(row["body"]) for row in await self.r.rows(outbox)
                if case_id in row["body"] and (kind is None or row["subject"].endswith(kind))]

    async def events(self, case_id: str, kind: str) -> list[dict]:
        return [envelope["payload"] for envelope in await self.envelopes(case_id, kind)]

    async def history(self, case_id: str) -> list[dict]:
        return (await self.r.client.get(f"/v1/cases/{case_id}/history", headers=self.bu)).json()

    async def state(self, case_id: str) -> dict:
        [case] = [c for c in await self.r.rows(cases) if c["case_id"] == case_id]
        return dict(case["state"])


@pytest.fixture
def people(referrals, issuer, adult_referral):
    return People(referrals, issuer, adult_referral)
