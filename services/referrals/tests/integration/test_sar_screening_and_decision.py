"""A SAR that meets the Care Act s44 mandatory criteria is not screened out, or not convened, without
the independent chair's explicit, recorded override; the screening says which basis applied; and the
sub-group's decision goes to the chair, who confirms or overturns it (issue 13). On SQLite and
PostgreSQL, through the API, with the events each step owes read from the outbox.
"""
from __future__ import annotations

import pytest

from referrals.adapters.orm import cases, outbox

MANDATORY = {"died": True, "abuse_or_neglect": "suspected", "concern_agencies_could_have_worked_better": True}
DISCRETIONARY = {"died": False, "abuse_or_neglect": "not_suspected", "discretionary": True}
NOT_MET = {"died": False, "abuse_or_neglect": "not_suspected"}


SCREEN_OUT = {"business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "not_proceeding",
              "reasons": "already reviewed under a domestic homicide review"}
PROCEED = {"business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "proceed_to_scoping",
           "reasons": "meets s44"}


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



async def test_a_mandatory_sar_is_not_left_unconvened_without_the_chairs_recorded_override(people):
    case_id = await scoping_reviewed(people, MANDATORY)
    not_convene = {"convene": False, "decided_on": "2026-12-21", "reasons": "single-agency learning",
                   "other_steps": ["single_agency_review"]}

    await people.step(case_id, "/decision", not_convene, people.bu)
    refused = await people.step(case_id, "/decision/confirmation", {"confirmed": True, "on": "2026-12-21"},
                                people.chair)
    assert refused.status_code == 422, refused.text
    assert [p["loc"] for p in refused.json()["detail"]] == [["body", "mandatory_override_reason"]]
    assert await people.events(case_id, "sar_decided") == []
    overridden = await people.step(case_id, "/decision/confirmation", {
        "confirmed": True, "on": "2026-12-21", "mandatory_override_reason": "learning taken by the DHR"}, people.chair)
    assert overridden.status_code == 200, overridden.text
    [decided] = await people.events(case_id, "sar_decided")
    assert (decided["convene"], decided["mandatory_override"], decided["basis"]) == (False, True, "mandatory")


NOT_CONVENE = {"convene": False, "decided_on": "2026-12-21", "reasons": "the learning is single-agency",
               "other_steps": ["single_agency_review", "learning_event"],
               "other_steps_detail": "adult social care to run a learning event for the locality team"}


async def test_a_not_convene_recommendation_goes_to_the_chair_who_confirms_it_and_the_referrer_is_told(people):
    case_id = await scoping_reviewed(people, DISCRETIONARY)

    recommended = await people.step(case_id, "/decision", NOT_CONVENE, people.bu)
    assert recommended.status_code == 200, recommended.text
    assert recommended.json()["stage"] == "not_convene_recommended"
    assert await people.events(case_id, "sar_decided") == [], "nothing is final until the chair has reviewed it"
    assert [m["fact"] for m in await people.events(case_id, "milestone_reached")].count("sar_decision_made") == 1
    assert (await people.step(case_id, "/agreement", {"on": "2026-12-21"}, people.chair)).status_code == 409
    assert (await people.step(case_id, "/decision/confirmation", {"confirmed": True, "on": "2026-12-21"},
                              people.bu)).status_code == 403

    confirmed = await people.step(case_id, "/decision/confirmation",
                                  {"confirmed": True, "on": "2026-12-21", "reasons": "agreed"}, people.chair)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["stage"] == "not_convened"
    [decided] = await people.events(case_id, "sar_decided")
    assert decided["convene"] is False and decided["confirmed_by_chair"] is True
    assert decided["decided_on"] == "2026-12-21" and decided["referring_agency"] == "icb"
    assert decided["other_steps"] == ["single_agency_review", "learning_event"]
    assert decided["basis"] == "discretionary"
    rows = [r["body"] for r in await people.r.rows(outbox) if case_id in r["body"]]
    assert not any("locality team" in body for body in rows), "the free text stays in the referrals store"
    [case] = [c for c in await people.r.rows(cases) if c["case_id"] == case_id]
    assert "locality team" in case["state"]["chair_review"]["other_steps_detail"], "kept in the referrals store"
    actions = [h["action"] for h in await people.history(case_id)]
    assert actions[-2:] == ["sar_decided", "sar_decision_confirmed"]


async def test_the_chair_overturns_a_not_convene_recommendation_and_the_sar_is_commissioned(people):
    case_id = await scoping_reviewed(people, DISCRETIONARY)
    await people.step(case_id, "/decision", NOT_CONVENE, people.bu)

    overturned = await people.step(case_id, "/decision/confirmation",
                                   {"confirmed": False, "on": "2026-12-21", "reasons": "multi-agency learning"},
                                   people.chair)
    assert overturned.status_code == 200, overturned.text
    assert overturned.json()["stage"] == "decided"
    agreed = await people.step(case_id, "/agreement", {"on": "2026-12-21"}, people.chair)
    assert agreed.status_code == 200, agreed.text
    [decided] = await people.events(case_id, "sar_decided")
    assert (decided["convene"], decided["confirmed_by_chair"]) == (True, False)


async def test_a_convene_recommendation_is_confirmed_by_the_chairs_agreement(people):
    case_id = await scoping_reviewed(people, DISCRETIONARY)
    await people.step(case_id, "/decision", {"convene": True, "decided_on": "2026-12-21", "reasons": "criteria"},
                      people.bu)
    assert await people.events(case_id, "sar_decided") == []

    await people.step(case_id, "/agreement", {"on": "2026-12-21"}, people.chair)
    [decided] = await people.events(case_id, "sar_decided")
    assert (decided["convene"], decided["confirmed_by_chair"], decided["other_steps"]) == (True, True, [])


async def test_the_chair_overturns_a_convene_recommendation_naming_the_other_steps(people):
    case_id = await scoping_reviewed(people, DISCRETIONARY)
    await people.step(case_id, "/decision", {"convene": True, "decided_on": "2026-12-21", "reasons": "criteria"},
                      people.bu)
    refused = await people.step(case_id, "/decision/confirmation", {"confirmed": False, "on": "2026-12-21"},
                                people.chair)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "other_steps"]

    overturned = await people.step(case_id, "/decision/confirmation", {
        "confirmed": False, "on": "2026-12-21", "other_steps": ["practice_briefing"]}, people.chair)
    assert overturned.status_code == 200 and overturned.json()["stage"] == "not_convened", overturned.text
    [decided] = await people.events(case_id, "sar_decided")
    assert (decided["convene"], decided["confirmed_by_chair"], decided["other_steps"]) == (
        False, False, ["practice_briefing"])


async def test_a_recommendation_not_to_convene_names_the_other_steps(people):
    case_id = await scoping_reviewed(people, DISCRETIONARY)
    refused = await people.step(case_id, "/decision", {**NOT_CONVENE, "other_steps": []}, people.bu)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "other_steps"]
