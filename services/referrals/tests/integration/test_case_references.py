"""A case's reference is never given twice. It is six hex digits of the case's id (RR-2026-3F09C1):
among a few thousand cases of one year two ids would share them, and the second referral failed with
a server error. Now an id whose reference is taken is put aside and another drawn. Both pathways, on
SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

import pytest

from referrals.adapters.orm import cases
from referrals.application import intake
from safeguard_testing.apps import bearer, example_child_referral


def ids_drawn(monkeypatch, *ids: uuid.UUID) -> None:
    """The ids the next cases are given, in this order (then any)."""
    queue = list(ids)
    monkeypatch.setattr(intake, "uuid4", lambda: queue.pop(0) if queue else uuid.uuid4())


def sharing_a_reference_with(case_id: str) -> uuid.UUID:
    return uuid.UUID(hex=uuid.UUID(case_id).hex[:6] + uuid.uuid4().hex[6:])


@pytest.mark.parametrize("pathway", ["child", "adult"])
async def test_an_id_whose_reference_is_taken_is_put_aside_and_the_referral_opens_its_own_case(
        referrals, issuer, adult_referral, monkeypatch, pathway):
    if pathway == "child":
        refer, path = bearer(issuer, "police", "referrer"), "/v1/referrals/child"
        first_body, second_body = (example_child_referral(child={"reference": "C-REF-1"}),
                                   example_child_referral(child={"reference": "C-REF-2"}))
    else:
        refer, path = bearer(issuer, "icb", "referrer"), "/v1/referrals/adult"
        first_body, second_body = adult_referral(reference="A-REF-1"), adult_referral(reference="A-REF-2")
    first = await referrals.client.post(path, json=first_body, headers=refer)
    assert first.status_code == 201, first.text
    taken = first.json()

    fresh = uuid.uuid4()
    ids_drawn(monkeypatch, sharing_a_reference_with(taken["case_id"]), fresh)
    second = await referrals.client.post(path, json=second_body, headers=refer)

    assert second.status_code == 201, second.text
    opened = second.json()
    assert opened["case_id"] == str(fresh)
    assert opened["case_ref"] != taken["case_ref"]
    assert {row["case_ref"] for row in await referrals.rows(cases)} == {taken["case_ref"], opened["case_ref"]}
