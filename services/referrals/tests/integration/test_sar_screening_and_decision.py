"""A SAR that meets the Care Act s44 mandatory criteria is not screened out, or not convened, without
the independent chair's explicit, recorded override; the screening says which basis applied; and the
sub-group's decision goes to the chair, who confirms or overturns it (issue 13). On SQLite and
PostgreSQL, through the API, with the events each step owes read from the outbox.
"""
from __future__ import annotations

import json

import pytest

from referrals.adapters.orm import outbox
from safeguard_testing.apps import bearer, migrated

MANDATORY = {"died": True, "abuse_or_neglect": "suspected", "concern_agencies_could_have_worked_better": True}
DISCRETIONARY = {"died": False, "abuse_or_neglect": "not_suspected", "discretionary": True}
NOT_MET = {"died": False, "abuse_or_neglect": "not_suspected"}


def sar_referral(criteria: dict, reference: str = "A-311") -> dict:
    return {
        "referring_agency": "icb",
        "authorised_by": {"name": "B. Manager", "role": "safeguarding_lead", "authorised_on": "2026-12-21"},
        "received_on": "2026-12-21",
        "adult": {"reference": reference, "date_of_birth": "1948-09-12"},
        "criteria": criteria,
        "summary": "…",
        "involved_agencies": ["adult_social_care", "icb", "police", "housing"],
    }


SCREEN_OUT = {"business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "not_proceeding",
              "reasons": "already reviewed under a domestic homicide review"}
PROCEED = {"business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "proceed_to_scoping",
           "reasons": "meets s44"}


@pytest.fixture
async def referrals(databases, tmp_path, issuer):
    async with migrated("referrals", database_url=await databases.anew("referrals"), data_dir=tmp_path,
                        issuer=issuer) as service:
        yield service


class People:
    def __init__(self, referrals, issuer):
        self.r = referrals
        self.bu = bearer(issuer, "partnership", "business_unit")
        self.chair = bearer(issuer, "partnership", "independent_chair")
        self.icb = bearer(issuer, "icb", "referrer")

    async def refer(self, criteria: dict, reference: str = "A-311") -> str:
        response = await self.r.client.post("/v1/referrals/adult", json=sar_referral(criteria, reference),
                                             headers=self.icb)
        assert response.status_code == 201, response.text
        return response.json()["case_id"]

    async def step(self, case_id: str, path: str, body: dict, who: dict):
        return await self.r.client.post(f"/v1/cases/{case_id}/sar{path}", json=body, headers=who)

    async def events(self, case_id: str, kind: str) -> list[dict]:
        return [json.loads(row["body"])["payload"] for row in await self.r.rows(outbox)
                if row["subject"].endswith(kind) and case_id in row["body"]]

    async def history(self, case_id: str) -> list[dict]:
        return (await self.r.client.get(f"/v1/cases/{case_id}/history", headers=self.bu)).json()


@pytest.fixture
def people(referrals, issuer):
    return People(referrals, issuer)


async def test_a_mandatory_sar_is_not_screened_out_without_the_chairs_recorded_override(people):
    case_id = await people.refer(MANDATORY)

    refused = await people.step(case_id, "/screening", SCREEN_OUT, people.bu)
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "mandatory_override_reason"]
    assert "s44" in problem["msg"] and "independent chair" in problem["msg"]
    # Only the independent chair may override.
    not_chair = await people.step(case_id, "/screening", {**SCREEN_OUT, "mandatory_override_reason": "DHR"},
                                  people.bu)
    assert not_chair.status_code == 403, not_chair.text
    assert await people.events(case_id, "sar_screened") == []

    overridden = await people.step(case_id, "/screening", {**SCREEN_OUT, "mandatory_override_reason":
                                                           "the learning is being drawn by the DHR"}, people.chair)
    assert overridden.status_code == 200, overridden.text
    [screened] = await people.events(case_id, "sar_screened")
    assert (screened["outcome"], screened["basis"]) == ("not_proceeding", "mandatory")
    [line] = [h for h in await people.history(case_id) if h["action"] == "sar_screened"]
    assert line["detail"]["mandatory_override_reason"] == "the learning is being drawn by the DHR"


@pytest.mark.parametrize("criteria, basis", [(MANDATORY, "mandatory"), (DISCRETIONARY, "discretionary"),
                                             (NOT_MET, "criteria_not_met")])
async def test_the_screening_says_which_basis_applied(people, criteria, basis):
    case_id = await people.refer(criteria)
    outcome = PROCEED if criteria is not NOT_MET else SCREEN_OUT
    answered = await people.step(case_id, "/screening", outcome, people.bu)
    assert answered.status_code == 200, answered.text
    [screened] = await people.events(case_id, "sar_screened")
    assert screened["basis"] == basis


async def scoping_reviewed(people, criteria: dict) -> str:
    case_id = await people.refer(criteria)
    for path, body, who in (("/screening", PROCEED, people.bu), ("/scoping", {"agencies": ["icb"]}, people.chair),
                            ("/scoping-returns/icb", {"information": "chronology"}, people.bu),
                            ("/scoping-review", {"on": "2026-12-21"}, people.bu)):
        answered = await people.step(case_id, path, body, who)
        assert answered.status_code == 200, (path, answered.text)
    return case_id

