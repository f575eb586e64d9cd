"""A partner agency refers a serious incident concerning a child, through the intake API.

The referrals service runs in-process with its lifespan (migrations, broker, outbox relay) on the
test's NATS server, over SQLite and over PostgreSQL. The business date is Monday 21 December 2026,
the date of the example referral in docs/architecture.md.
"""
from __future__ import annotations

import json

import nats
import pytest
from sqlalchemy import select

from referrals.adapters.orm import access_log, case_history, cases, outbox
from safeguard_shared.contracts import Envelope
from safeguard_testing.apps import CANARIES, CANARY_REFERENCE, bearer, example_child_referral, running
from safeguard_testing.toy import eventually

CHILD = "/v1/referrals/child"


@pytest.fixture
async def referrals_on_the_bus(databases, nats_url, bus_namespace, tmp_path, issuer):
    """The whole service with its lifespan: migrations, broker, outbox relay publishing to JetStream."""
    async with running(["referrals"], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer) as apps:
        yield apps["referrals"]


@pytest.fixture
def police_referrer(issuer):
    return bearer(issuer, "police", "referrer")


@pytest.fixture
def business_unit(issuer):
    return bearer(issuer, "partnership", "business_unit")


async def nothing_written(service) -> bool:
    return all([await service.count(table) == 0 for table in (cases, outbox, access_log, case_history)])


def locs(response) -> list[list]:
    return [entry["loc"] for entry in response.json()["detail"]]


# --- referring ------------------------------------------------------------------------------------


async def test_the_police_refer_the_design_example_and_a_rapid_review_case_opens(referrals_on_the_bus, police_referrer):
    referrals = referrals_on_the_bus
    response = await referrals.client.post(CHILD, json=example_child_referral(), headers=police_referrer)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["case_id"] and body["case_ref"].startswith("RR-2026-")
    assert body["status"] == "rapid_review"
    assert body["serious_incident"] and body["rapid_review"]
    assert body["notices_owed"] == ["national_panel"]
    [case] = await referrals.rows(cases)
    assert (case["case_id"], case["case_ref"], case["status"]) == (body["case_id"], body["case_ref"], "rapid_review")
    assert case["referral"]["child"]["reference"] == CANARY_REFERENCE, "identifying details stay in this store"


async def test_received_on_defaults_to_the_business_date(referrals, police_referrer):
    referral = example_child_referral()
    del referral["received_on"]

    response = await referrals.client.post(CHILD, json=referral, headers=police_referrer)

    assert response.status_code == 201, response.text
    assert response.json()["received_on"] == "2026-12-21"


async def test_a_referral_writes_exactly_one_case_opened_event_in_its_outbox(referrals, police_referrer):
    response = await referrals.client.post(CHILD, json=example_child_referral(), headers=police_referrer)
    assert response.status_code == 201

    [row] = await referrals.rows(outbox)
    env = Envelope.from_json(row["body"].encode())
    assert row["subject"].endswith("referrals.case.opened") and env.event_type == "referrals.case.opened"
    assert env.event_id == row["event_id"]
    assert env.payload["case_id"] == response.json()["case_id"]
    assert env.payload["became_aware_on"] == "2026-12-21"
    assert env.payload["notices_owed"] == ["national_panel"] and env.payload["rapid_review"] is True


async def test_the_case_and_its_event_commit_together_or_not_at_all(referrals, police_referrer, monkeypatch):
    """If the event cannot be recorded, the case is not opened either: no case without its event."""
    async def outbox_down(*_args, **_kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(referrals.runtime.outbox, "add", outbox_down)

    with pytest.raises(RuntimeError, match="outbox unavailable"):
        await referrals.client.post(CHILD, json=example_child_referral(), headers=police_referrer)

    assert await nothing_written(referrals)


async def test_the_case_opened_event_never_carries_the_childs_identifying_details(
        referrals_on_the_bus, police_referrer, nats_url):
    referrals = referrals_on_the_bus
    response = await referrals.client.post(CHILD, json=example_child_referral(), headers=police_referrer)
    assert response.status_code == 201
    stream = referrals.runtime.names.stream("referrals")

    async def published() -> bytes | None:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            if (await js.stream_info(stream)).state.messages < 1:
                return None
            return (await js.get_msg(stream, seq=1)).data
        finally:
            await nc.close()

    on_the_bus = await eventually(published)
    assert on_the_bus, "the relay published the event"
    [row] = await referrals.rows(outbox)
    for text in (row["body"], on_the_bus.decode()):
        for canary in CANARIES:
            assert canary not in text
    payload = json.loads(on_the_bus)["payload"]
    assert not {"child", "reference", "date_of_birth", "summary", "safeguarding_lead"} & set(payload)


# --- refused referrals leave nothing behind ---------------------------------------------------------


async def test_a_referral_without_a_token_is_refused_and_nothing_is_written(referrals):
    response = await referrals.client.post(CHILD, json=example_child_referral())

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert await nothing_written(referrals)


async def test_a_token_from_another_issuer_is_refused(referrals, tmp_path):
    from safeguard_shared.auth import LocalIssuer

    stranger = LocalIssuer(tmp_path / "another-issuer")
    response = await referrals.client.post(CHILD, json=example_child_referral(),
                                           headers=bearer(stranger, "police", "referrer"))

    assert response.status_code == 401
    assert await nothing_written(referrals)


INVALID = [
    ({"incident": {"outcome": "bad"}}, ["body", "incident", "outcome"]),
    ({"incident": {"abuse_or_neglect": "maybe"}}, ["body", "incident", "abuse_or_neglect"]),
    ({"child": {"looked_after": "perhaps"}}, ["body", "child", "looked_after"]),
    ({"referring_agency": "the_moon"}, ["body", "referring_agency"]),
    ({"involved_agencies": []}, ["body", "involved_agencies"]),
    ({"received_on": "21/12/2026"}, ["body", "received_on"]),
    # Became aware tomorrow, as the business date stands (Monday 21 December 2026).
    ({"incident": {"occurred_on": "2026-12-19", "became_aware_on": "2026-12-22"}},
     ["body", "incident", "became_aware_on"]),
    ({"safeguarding_lead": {"agreed_on": "2026-12-22"}}, ["body", "safeguarding_lead", "agreed_on"]),
    ({"child": {"date_of_birth": "2026-12-20"}}, ["body", "child", "date_of_birth"]),
]


async def test_an_invalid_referral_is_refused_naming_the_field_and_nothing_is_written(referrals, police_referrer):
    for change, field in INVALID:
        response = await referrals.client.post(CHILD, json=example_child_referral(**change), headers=police_referrer)

        assert response.status_code == 422, (change, response.text)
        assert field in locs(response), (change, locs(response))
        assert await nothing_written(referrals), change


async def test_a_refused_referral_does_not_echo_the_childs_details(referrals, police_referrer):
    response = await referrals.client.post(
        CHILD, json=example_child_referral(child={"date_of_birth": "not a date"}), headers=police_referrer)

    assert response.status_code == 422
    for canary in CANARIES + ("not a date",):
        assert canary not in response.text


async def test_became_aware_before_the_incident_occurred_is_refused_naming_became_aware_on(
        referrals, police_referrer):
    response = await referrals.client.post(
        CHILD, json=example_child_referral(incident={"occurred_on": "2026-12-19", "became_aware_on": "2026-12-18"}),
        headers=police_referrer)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "incident", "became_aware_on"]
    assert "occurred_on" in problem["msg"]
    assert await nothing_written(referrals)


async def test_a_police_referrer_cannot_refer_on_behalf_of_a_school(referrals, police_referrer):
    response = await referrals.client.post(CHILD, json=example_child_referral(referring_agency="school"),
                                           headers=police_referrer)

    assert response.status_code == 403
    assert "police" in response.json()["detail"] and "school" in response.json()["detail"]
    assert await nothing_written(referrals)


async def test_a_panel_member_cannot_make_a_referral(referrals, issuer):
    response = await referrals.client.post(CHILD, json=example_child_referral(),
                                           headers=bearer(issuer, "police", "panel_member"))

    assert response.status_code == 403
    assert await nothing_written(referrals)


async def test_the_business_unit_may_key_in_a_referral_on_an_agencys_behalf(referrals, business_unit):
    response = await referrals.client.post(CHILD, json=example_child_referral(referring_agency="school"),
                                           headers=business_unit)

    assert response.status_code == 201
    assert response.json()["referring_agency"] == "school"


# --- reading a case ----------------------------------------------------------------------------------


async def test_the_business_unit_reads_the_case_detail_and_the_read_is_recorded(
        referrals, police_referrer, business_unit):
    referred = await referrals.client.post(CHILD, json=example_child_referral(), headers=police_referrer)
    case_id = referred.json()["case_id"]

    response = await referrals.client.get(f"/v1/cases/{case_id}", headers=business_unit)

    assert response.status_code == 200
    detail = response.json()
    assert detail["case_id"] == case_id and detail["status"] == "rapid_review"
    assert detail["referral"]["child"]["reference"] == CANARY_REFERENCE
    [read] = await referrals.rows(access_log)
    assert (read["case_id"], read["subject"], read["agency"]) == (case_id, "partnership-business_unit", "partnership")
    assert (read["operation"], read["endpoint"]) == ("case detail", f"GET /v1/cases/{case_id}")
    assert read["read_at"].tzinfo is not None


async def test_a_referrer_of_an_agency_the_case_does_not_involve_cannot_read_it_and_no_read_is_recorded(
        referrals, police_referrer, issuer):
    referred = await referrals.client.post(CHILD, json=example_child_referral(), headers=police_referrer)
    case_id = referred.json()["case_id"]

    response = await referrals.client.get(f"/v1/cases/{case_id}", headers=bearer(issuer, "housing", "referrer"))

    assert response.status_code == 403
    assert CANARY_REFERENCE not in response.text
    assert await referrals.count(access_log) == 0


async def test_the_referring_agency_sees_its_referrals_progress_without_the_detail(referrals, police_referrer):
    referred = await referrals.client.post(CHILD, json=example_child_referral(), headers=police_referrer)
    case_id = referred.json()["case_id"]

    response = await referrals.client.get(f"/v1/cases/{case_id}", headers=police_referrer)

    assert response.status_code == 200
    assert response.json()["status"] == "rapid_review"
    assert "referral" not in response.json()
    for canary in CANARIES:
        assert canary not in response.text


async def test_reading_a_case_needs_a_token_and_an_unknown_case_is_404(referrals, business_unit):
    assert (await referrals.client.get("/v1/cases/no-such-case")).status_code == 401
    assert (await referrals.client.get("/v1/cases/no-such-case", headers=business_unit)).status_code == 404
    async with referrals.runtime.sessions() as session:
        assert (await session.execute(select(access_log))).first() is None


async def test_an_adult_sar_referral_opens_a_case(referrals, issuer, adult_referral):
    sar = adult_referral()
    response = await referrals.client.post("/v1/referrals/adult", json=sar, headers=bearer(issuer, "icb", "referrer"))

    assert response.status_code == 201
    assert {"case_id", "case_ref", "status"} <= set(response.json())


OUT_OF_RANGE = [
    ({"child": {"date_of_birth": "1899-12-31"}}, ["body", "child", "date_of_birth"]),
    ({"incident": {"occurred_on": "0001-01-01"}}, ["body", "incident", "occurred_on"]),
    ({"received_on": "9999-12-31"}, ["body", "received_on"]),
]


async def test_a_date_outside_1900_to_2200_is_refused_naming_the_field_and_the_range(referrals, police_referrer):
    for change, field in OUT_OF_RANGE:
        response = await referrals.client.post(CHILD, json=example_child_referral(**change), headers=police_referrer)

        assert response.status_code == 422, (change, response.text)
        problems = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
        assert "1 January 1900 to 31 December 2200" in problems[tuple(field)], problems
        assert await nothing_written(referrals), change
