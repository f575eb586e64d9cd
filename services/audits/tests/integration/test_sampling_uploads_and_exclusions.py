"""The QA sub-group uploads its population as a CSV of case references with the agencies involved in
each, and the partnership's exclusions keep recently audited cases out of the draw. The draw stays
re-runnable: the exclusions are recorded with it, and the sampled references never leave the store."""
from __future__ import annotations

import random

from audits_desk import AGENCIES_OF, POPULATION, population_csv

from audits.adapters.orm import audited_cases, samples
from safeguard_shared.contracts.audits import CasesSampled


async def test_a_csv_population_is_drawn_and_remembers_the_agencies_involved_in_each_case(desk):
    audit_id = await desk.plan()

    drawn = await desk.sample(audit_id, seed=42)

    assert drawn["cases"] == random.Random(42).sample(sorted(POPULATION), 4)
    assert drawn["case_agencies"] == {ref: sorted(AGENCIES_OF[ref]) for ref in drawn["cases"]}
    assert (drawn["population_size"], drawn["excluded"]) == (10, [])


async def test_the_same_file_posted_as_a_form_draws_the_same_cases_with_the_same_seed(desk):
    by_body = await desk.sample(await desk.plan(theme="first"), seed=7)
    audit_id = await desk.plan(theme="second")

    by_form = await desk.ok("POST", f"/v1/audits/{audit_id}/sample", data={"seed": "7"},
                            files={"population": ("population.csv", population_csv(list(reversed(POPULATION))),
                                                  "text/csv")})

    assert by_form["cases"] == by_body["cases"]
    assert by_form["population_digest"] == by_body["population_digest"]


async def test_a_csv_with_bad_lines_is_refused_naming_every_line_and_nothing_is_drawn(desk, service):
    audit_id = await desk.plan()
    text = population_csv() + "RR-X1,polce\n,police\nRR-X2,icb;fire_brigade\n"

    response = await desk.client.post(f"/v1/audits/{audit_id}/sample", content=text.encode(),
                                      headers={**desk.qa, "Content-Type": "text/csv"})

    assert response.status_code == 422
    locs = [p["loc"] for p in response.json()["detail"]]
    assert locs == [["body", "population", "line 12", "agencies"], ["body", "population", "line 13", "case_reference"],
                    ["body", "population", "line 14", "agencies"]]
    assert "'fire_brigade'" in response.json()["detail"][2]["msg"]
    assert await service.count(samples) == 0


async def test_a_csv_without_a_case_reference_column_is_refused(desk):
    audit_id = await desk.plan()

    response = await desk.client.post(f"/v1/audits/{audit_id}/sample", content=b"name,agency\nX,police\n",
                                      headers={**desk.qa, "Content-Type": "text/csv"})

    assert response.status_code == 422 and "case_reference" in response.json()["detail"][0]["msg"]


async def test_cases_audited_in_the_last_twelve_months_are_not_drawn_again_once_the_partnership_says_so(desk):
    await desk.ok("PUT", "/v1/sampling/exclusions", json={"audited_within_months": 12, "references": []})
    first = await desk.sample(await desk.plan(theme="first"), seed=42)
    desk.clock.set(desk.clock.now().replace(month=6))  # June 2027: five months on

    second = await desk.sample(await desk.plan(theme="second", qa_meeting_on="2027-09-15"), seed=42)

    assert not set(second["cases"]) & set(first["cases"])
    assert sorted(e["case_ref"] for e in second["excluded"]) == sorted(first["cases"])
    assert all(e["reason"] == "audited on 2027-01-04, within the last 12 months" for e in second["excluded"])
    eligible = sorted(set(POPULATION) - set(first["cases"]))
    assert second["cases"] == random.Random(42).sample(eligible, 4), "anyone can re-run it with the exclusions"
    assert second["population_digest"] == first["population_digest"] and second["eligible_size"] == 6


async def test_a_case_audited_thirteen_months_ago_can_be_drawn_again(desk):
    await desk.ok("PUT", "/v1/sampling/exclusions", json={"audited_within_months": 12, "references": []})
    await desk.ok("POST", "/v1/audited-cases", json={"cases": [
        {"case_ref": POPULATION[0], "audited_on": "2025-12-01"},  # 13 months before 4 January 2027
        {"case_ref": POPULATION[1], "audited_on": "2026-02-01"}]})

    drawn = await desk.sample(await desk.plan(), seed=3)

    assert [e["case_ref"] for e in drawn["excluded"]] == [POPULATION[1]]


async def test_the_partnerships_standing_references_and_a_draws_own_are_left_out(desk):
    await desk.ok("PUT", "/v1/sampling/exclusions", json={"audited_within_months": 0, "references": [
        {"case_ref": POPULATION[2], "reason": "subject of a current CSPR"}]})
    audit_id = await desk.plan()

    drawn = await desk.ok("POST", f"/v1/audits/{audit_id}/sample",
                          json={"population": POPULATION, "seed": 1, "exclude": [POPULATION[3]]})

    assert {e["case_ref"]: e["reason"] for e in drawn["excluded"]} == {
        POPULATION[2]: "subject of a current CSPR", POPULATION[3]: "excluded by the partnership for this draw"}
    assert not {POPULATION[2], POPULATION[3]} & set(drawn["cases"])


async def test_exclusions_that_leave_fewer_than_four_cases_are_refused_saying_so(desk, service):
    audit_id = await desk.plan()

    response = await desk.client.post(f"/v1/audits/{audit_id}/sample", headers=desk.qa,
                                      json={"population": POPULATION[:5], "seed": 1, "exclude": POPULATION[:2]})

    assert response.status_code == 422
    assert "2 of them excluded; 3 remain and the audit needs 4" in response.json()["detail"][0]["msg"]
    assert await service.count(samples) == 0 and await service.count(audited_cases) == 0


async def test_each_draw_is_added_to_the_audited_cases_and_no_reference_leaves_in_an_event(desk, service):
    drawn = await desk.sample(await desk.plan(), seed=42)

    listed = await desk.ok("GET", "/v1/audited-cases")
    assert sorted(r["case_ref"] for r in listed) == sorted(drawn["cases"])
    [sampled] = await desk.owed(CasesSampled)
    assert sampled.sample_size == 4
    owed = await desk.outbox_text()
    assert not any(ref in owed for ref in POPULATION)


async def test_the_draw_can_be_read_back_and_agencies_cannot_see_it(desk):
    audit_id = await desk.plan()
    drawn = await desk.sample(audit_id, seed=5)

    assert await desk.ok("GET", f"/v1/audits/{audit_id}/sample") == drawn
    police = desk.agency("police")
    assert (await desk.client.get(f"/v1/audits/{audit_id}/sample", headers=police)).status_code == 403
    assert (await desk.client.put("/v1/sampling/exclusions", headers=police,
                                  json={"audited_within_months": 0})).status_code == 403
