"""The QA sub-group plans a multi-agency case file audit and draws its four cases at random.

The draw is recorded with its seed and a digest of the population, so anyone can re-run it; asking
an audit for its sample again returns the draw it already has. The audits service's app runs on a
migrated store (SQLite and PostgreSQL); its events are read back from its outbox.
"""
from __future__ import annotations

import asyncio

import pytest

from audits.adapters.orm import audits, outbox, samples
from safeguard_shared.contracts import Envelope, parse
from safeguard_shared.contracts.audits import AuditPlanned, CasesSampled
from safeguard_testing.apps import bearer, migrated

POPULATION = [f"RR-2026-{n:06X}" for n in range(0xA00, 0xA0A)]  # ten case references
NEGLECT_AUDIT = {"theme": "neglect in adolescence", "kind": "children", "qa_meeting_on": "2027-03-10"}


@pytest.fixture
async def service(databases, tmp_path, issuer):
    async with migrated("audits", database_url=await databases.at_head("audits"), data_dir=tmp_path,
                        issuer=issuer) as running:
        yield running


@pytest.fixture
def qa_lead(issuer):
    return bearer(issuer, "partnership", "qa_lead")


async def plan(service, headers, body=NEGLECT_AUDIT) -> str:
    response = await service.client.post("/v1/audits", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["audit_id"]


async def sample(service, audit_id: str, headers, population=POPULATION, seed=None):
    body = {"population": population} if seed is None else {"population": population, "seed": seed}
    return await service.client.post(f"/v1/audits/{audit_id}/sample", json=body, headers=headers)


async def owed(service) -> list:
    return [parse(Envelope.model_validate_json(r["body"])) for r in await service.rows(outbox)]


async def test_the_qa_lead_plans_an_audit_for_a_theme(service, qa_lead):
    response = await service.client.post("/v1/audits", json=NEGLECT_AUDIT, headers=qa_lead)

    assert response.status_code == 201
    body = response.json()
    assert body["audit_id"] and body["status"] == "planned"
    assert (body["theme"], body["kind"], body["qa_meeting_on"]) == ("neglect in adolescence", "children", "2027-03-10")
    [planned] = await owed(service)
    assert isinstance(planned, AuditPlanned) and planned.audit_id == body["audit_id"]


async def test_four_cases_are_drawn_from_a_population_of_ten_with_seed_42(service, qa_lead):
    audit_id = await plan(service, qa_lead)

    response = await sample(service, audit_id, qa_lead, seed=42)

    assert response.status_code == 201
    drawn = response.json()
    assert len(drawn["cases"]) == 4 and len(set(drawn["cases"])) == 4 and set(drawn["cases"]) <= set(POPULATION)
    assert (drawn["seed"], drawn["population_size"]) == (42, 10)
    assert len(drawn["population_digest"]) == 64
    sampled = [e for e in await owed(service) if isinstance(e, CasesSampled)]
    assert [(e.audit_id, e.seed, e.population_digest, e.sample_size) for e in sampled] == [
        (audit_id, 42, drawn["population_digest"], 4)]


async def test_the_same_population_in_another_order_and_seed_42_draw_the_same_cases_for_a_new_audit(
        service, qa_lead):
    first = (await sample(service, await plan(service, qa_lead), qa_lead, seed=42)).json()
    another_audit = await plan(service, qa_lead, {**NEGLECT_AUDIT, "theme": "re-run by the independent chair"})

    again = await sample(service, another_audit, qa_lead, population=list(reversed(POPULATION)), seed=42)

    assert again.status_code == 201
    assert again.json()["cases"] == first["cases"]
    assert again.json()["population_digest"] == first["population_digest"]


async def test_asking_an_audit_for_its_sample_again_returns_the_draw_it_already_has(service, qa_lead):
    audit_id = await plan(service, qa_lead)
    first = (await sample(service, audit_id, qa_lead, seed=42)).json()

    again = await sample(service, audit_id, qa_lead, seed=7)

    assert again.status_code == 200
    assert again.json() == first, "same cases, same seed 42, same population digest, same time of draw"
    assert await service.count(samples) == 1
    assert len([e for e in await owed(service) if isinstance(e, CasesSampled)]) == 1
    shown = (await service.client.get(f"/v1/audits/{audit_id}", headers=qa_lead)).json()
    assert shown["sample"]["cases"] == first["cases"] and shown["sample"]["seed"] == 42


async def test_a_new_population_after_the_draw_is_refused_saying_the_draw_is_made_and_where_to_see_it(
        service, qa_lead):
    audit_id = await plan(service, qa_lead)
    first = (await sample(service, audit_id, qa_lead, seed=42)).json()
    another = [f"RR-2027-{n:06X}" for n in range(0xB00, 0xB0A)]

    refused = await sample(service, audit_id, qa_lead, population=another, seed=42)

    assert refused.status_code == 409, refused.text
    said = refused.json()["detail"]
    assert "already drawn" in said and f"GET /v1/audits/{audit_id}/sample" in said
    assert "Monday 21 December 2026" in said and "10 cases" in said
    # The same population (in any order, with any spacing) and seed still answers the draw it has.
    same = await sample(service, audit_id, qa_lead, population=[f" {r}" for r in reversed(POPULATION)], seed=42)
    assert same.status_code == 200 and same.json() == first
    assert await service.count(samples) == 1
    assert len([e for e in await owed(service) if isinstance(e, CasesSampled)]) == 1


async def test_two_qa_leads_drawing_at_once_get_one_and_the_same_draw(service, qa_lead, issuer):
    audit_id = await plan(service, qa_lead)
    business_unit = bearer(issuer, "partnership", "business_unit")

    one, other = await asyncio.gather(sample(service, audit_id, qa_lead, seed=1),
                                      sample(service, audit_id, business_unit, seed=2))

    assert sorted([one.status_code, other.status_code]) == [200, 201]
    assert one.json() == other.json()
    assert await service.count(samples) == 1


async def test_a_population_of_three_cannot_be_sampled_and_nothing_is_drawn(service, qa_lead):
    audit_id = await plan(service, qa_lead)

    response = await sample(service, audit_id, qa_lead, population=POPULATION[:3], seed=42)

    assert response.status_code == 422
    assert ["body", "population"] in [p["loc"] for p in response.json()["detail"]]
    assert await service.count(samples) == 0


async def test_a_population_of_four_references_naming_three_cases_cannot_be_sampled(service, qa_lead):
    audit_id = await plan(service, qa_lead)

    response = await sample(service, audit_id, qa_lead, population=POPULATION[:3] + [f" {POPULATION[0]} "], seed=42)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "population"] and "3 distinct cases" in problem["msg"]
    assert await service.count(samples) == 0


async def test_agency_referrers_can_neither_plan_nor_sample_an_audit(service, qa_lead, issuer):
    referrer = bearer(issuer, "police", "referrer")
    audit_id = await plan(service, qa_lead)

    assert (await service.client.post("/v1/audits", json=NEGLECT_AUDIT, headers=referrer)).status_code == 403
    assert (await sample(service, audit_id, referrer, seed=42)).status_code == 403
    assert (await service.client.post("/v1/audits", json=NEGLECT_AUDIT)).status_code == 401
    assert await service.count(audits) == 1 and await service.count(samples) == 0


async def test_an_audit_of_an_unknown_kind_is_refused_naming_kind_and_an_unknown_audit_is_404(service, qa_lead):
    response = await service.client.post("/v1/audits", json={**NEGLECT_AUDIT, "kind": "teenagers"}, headers=qa_lead)

    assert response.status_code == 422 and ["body", "kind"] in [p["loc"] for p in response.json()["detail"]]
    assert await service.count(audits) == 0
    assert (await sample(service, "no-such-audit", qa_lead, seed=42)).status_code == 404
