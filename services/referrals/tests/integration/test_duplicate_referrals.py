"""The same referral sent twice opens one case and sends the Panel one notice (issue 13).

An ``Idempotency-Key`` from the same agency answers the same case; a referral that is likely the
same one (the same child and incident date, or the same adult and received date, from the same
agency) answers 200 with the existing case and says so. On SQLite and PostgreSQL, also when the two
requests arrive at the same moment.
"""
from __future__ import annotations

import asyncio

import pytest

from referrals.adapters.orm import cases, outbox
from safeguard_testing.apps import bearer, example_child_referral

CHILD = "/v1/referrals/child"
ADULT = "/v1/referrals/adult"


@pytest.fixture
def police(issuer):
    return bearer(issuer, "police", "referrer")


async def opened_events(referrals) -> int:
    return sum(1 for row in await referrals.rows(outbox) if row["subject"].endswith("referrals.case.opened"))


async def test_the_same_key_answers_the_same_case_and_opens_no_second(referrals, police):
    headers = {**police, "Idempotency-Key": "police-2026-0001"}
    first = await referrals.client.post(CHILD, json=example_child_referral(), headers=headers)
    again = await referrals.client.post(CHILD, json=example_child_referral(), headers=headers)

    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await referrals.count(cases) == 1
    assert await opened_events(referrals) == 1, "the Panel is told once"


async def test_the_same_key_with_a_different_referral_is_refused_saying_so(referrals, police):
    headers = {**police, "Idempotency-Key": "police-2026-0002"}
    first = await referrals.client.post(CHILD, json=example_child_referral(), headers=headers)
    other = await referrals.client.post(
        CHILD, json=example_child_referral(child={"reference": "C-2000"}), headers=headers)

    assert first.status_code == 201
    assert other.status_code == 422, other.text
    [problem] = other.json()["detail"]
    assert problem["loc"] == ["header", "Idempotency-Key"]
    assert "different referral" in problem["msg"]
    assert await referrals.count(cases) == 1


async def test_the_same_key_from_another_agency_is_another_referral(referrals, police, issuer):
    first = await referrals.client.post(CHILD, json=example_child_referral(),
                                        headers={**police, "Idempotency-Key": "k-1"})
    school = await referrals.client.post(CHILD, json=example_child_referral(referring_agency="school"),
                                         headers={**bearer(issuer, "school", "referrer"), "Idempotency-Key": "k-1"})

    assert (first.status_code, school.status_code) == (201, 201)
    assert school.json()["case_id"] != first.json()["case_id"]


async def test_a_likely_duplicate_child_referral_answers_200_with_the_existing_case(referrals, police):
    first = await referrals.client.post(CHILD, json=example_child_referral(), headers=police)
    # Sent again without a key, with the summary reworded: the same child, incident date and agency.
    again = await referrals.client.post(CHILD, json=example_child_referral(incident={"summary": "resent"}),
                                        headers=police)

    assert first.status_code == 201
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["case_id"] == first.json()["case_id"] and body["case_ref"] == first.json()["case_ref"]
    assert body["duplicate_of"] == first.json()["case_id"]
    assert first.json()["case_ref"] in body["message"] and "already" in body["message"]
    assert await referrals.count(cases) == 1
    assert await opened_events(referrals) == 1


async def test_another_incident_for_the_same_child_is_a_new_case(referrals, police):
    first = await referrals.client.post(CHILD, json=example_child_referral(), headers=police)
    other = await referrals.client.post(
        CHILD, json=example_child_referral(incident={"occurred_on": "2026-12-20"}), headers=police)

    assert (first.status_code, other.status_code) == (201, 201)
    assert "duplicate_of" not in first.json() and "duplicate_of" not in other.json()
    assert await referrals.count(cases) == 2


async def test_two_identical_referrals_sent_at_once_open_one_case(referrals, police):
    answers = await asyncio.gather(*(referrals.client.post(CHILD, json=example_child_referral(), headers=police)
                                     for _ in range(2)))

    assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
    assert len({a.json()["case_id"] for a in answers}) == 1
    assert await referrals.count(cases) == 1
    assert await opened_events(referrals) == 1


async def test_two_identical_keyed_referrals_sent_at_once_answer_the_same_case(referrals, police):
    headers = {**police, "Idempotency-Key": "police-2026-0003"}
    answers = await asyncio.gather(*(referrals.client.post(CHILD, json=example_child_referral(), headers=headers)
                                     for _ in range(2)))

    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    assert await referrals.count(cases) == 1
    assert await opened_events(referrals) == 1


async def test_a_likely_duplicate_adult_referral_answers_200_with_the_existing_case(referrals, issuer,
                                                                                 adult_referral):
    icb = bearer(issuer, "icb", "referrer")
    first = await referrals.client.post(ADULT, json=adult_referral(), headers=icb)
    again = await referrals.client.post(ADULT, json=adult_referral(summary="sent again"), headers=icb)
    keyed = [await referrals.client.post(ADULT, json=adult_referral(reference="A-400"),
                                         headers={**icb, "Idempotency-Key": "icb-7"}) for _ in range(2)]

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json()["duplicate_of"] == first.json()["case_id"]
    assert [k.status_code for k in keyed] == [201, 201] and keyed[0].json() == keyed[1].json()
    assert await referrals.count(cases) == 2


async def test_two_identical_adult_referrals_sent_at_once_open_one_case(referrals, issuer, adult_referral):
    icb = bearer(issuer, "icb", "referrer")
    answers = await asyncio.gather(*(referrals.client.post(ADULT, json=adult_referral(), headers=icb)
                                     for _ in range(2)))

    assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
    assert await referrals.count(cases) == 1
