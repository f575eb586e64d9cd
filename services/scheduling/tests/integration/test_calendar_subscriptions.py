"""A calendar address of one's own (issue 13): Outlook and Google Calendar cannot send a bearer token,
so a person makes a secret feed address with their token once, subscribes to it, and it can be
revoked. On SQLite and PostgreSQL, through the API."""
from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from safeguard_testing.apps import bearer, scheduling_with_a_child_case
from scheduling.adapters.orm import access_log, calendar_subscriptions

CASE = "5a1f0c3e-0000-4000-8000-0000000000bb"


@pytest.fixture
async def scheduling(databases, tmp_path, issuer):
    async with scheduling_with_a_child_case(CASE, databases=databases, data_dir=tmp_path, issuer=issuer) as service:
        yield service


def _events(ics_text: str) -> list[str]:
    return [str(e.get("summary")) for e in Calendar.from_ical(ics_text).walk("VEVENT")]


async def test_a_local_authority_lead_subscribes_without_a_token_and_sees_what_it_would_with_one(scheduling, issuer):
    police = bearer(issuer, "local_authority", "safeguarding_lead")  # it notifies the Panel
    made = await scheduling.client.post("/v1/calendar/subscriptions", json={"case_id": CASE}, headers=police)
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert "/v1/calendar/feeds/" in url and url.endswith(".ics")

    # What Outlook does: fetch the address with no token at all.
    feed = await scheduling.client.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    by_token = await scheduling.client.get(f"/v1/calendar/cases/{CASE}.ics", headers=police)
    assert sorted(_events(feed.text)) == sorted(_events(by_token.text)) != []

    # The secret itself is kept nowhere: only its digest.
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    async with scheduling.runtime.sessions() as session:
        stored = (await session.execute(select(calendar_subscriptions))).mappings().one()
        reads = (await session.execute(select(access_log))).mappings().all()
    assert secret not in str(dict(stored)) and stored["last_used_at"] is not None
    [by_address] = [r for r in reads if r["operation"] == "case calendar subscription"]
    assert by_address["subject"] == stored["subject"] and by_address["case_id"] == CASE


async def test_a_revoked_address_stops_answering_and_only_its_owner_or_the_business_unit_revokes(
        scheduling, issuer):
    police = bearer(issuer, "police", "safeguarding_lead")
    made = (await scheduling.client.post("/v1/calendar/subscriptions", json={}, headers=police)).json()
    assert (await scheduling.client.get(made["url"])).status_code == 200

    someone_else = bearer(issuer, "icb", "safeguarding_lead")
    refused = await scheduling.client.delete(f"/v1/calendar/subscriptions/{made['subscription_id']}",
                                             headers=someone_else)
    assert refused.status_code == 403
    assert (await scheduling.client.get(made["url"])).status_code == 200

    mine = (await scheduling.client.get("/v1/calendar/subscriptions", headers=police)).json()
    assert [m["subscription_id"] for m in mine] == [made["subscription_id"]]
    assert (await scheduling.client.get("/v1/calendar/subscriptions", headers=someone_else)).json() == []

    bu = bearer(issuer, "partnership", "business_unit")  # someone left: the business unit revokes
    revoked = await scheduling.client.delete(f"/v1/calendar/subscriptions/{made['subscription_id']}", headers=bu)
    assert revoked.status_code == 204
    gone = await scheduling.client.get(made["url"])
    unknown = await scheduling.client.get(made["url"].replace(made["url"].rsplit("/", 1)[1], "not-a-secret.ics"))
    assert gone.status_code == unknown.status_code == 404 and gone.json() == unknown.json()


async def test_making_an_address_needs_a_token(scheduling):
    assert (await scheduling.client.post("/v1/calendar/subscriptions", json={})).status_code == 401
