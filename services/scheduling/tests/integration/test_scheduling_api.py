"""The scheduling API as the business unit and the agencies use it: bad input named, access by
agency, the week's work, rules listed, calendar feeds that Outlook and Google Calendar import."""
from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar

from safeguard_testing.apps import bearer, scheduling_with_a_child_case

CASE = "5a1f0c3e-0000-4000-8000-0000000000aa"


@pytest.fixture
async def scheduling(databases, tmp_path, issuer):
    async with scheduling_with_a_child_case(CASE, databases=databases, data_dir=tmp_path, issuer=issuer) as service:
        yield service


def _problem_fields(response) -> list[list]:
    return [item["loc"] for item in response.json()["detail"]]


async def test_every_call_needs_a_token(scheduling):
    assert (await scheduling.client.get(f"/v1/deadlines?case_id={CASE}")).status_code == 401


async def test_impossible_dates_and_absurd_counts_are_refused_naming_the_field(scheduling, issuer):
    bu = bearer(issuer, "partnership", "business_unit")
    bad_date = await scheduling.client.get("/v1/calendar/add-working-days?start=2026-02-30&days=3", headers=bu)
    assert bad_date.status_code == 422 and ["query", "start"] in _problem_fields(bad_date)
    absurd = await scheduling.client.get("/v1/calendar/add-working-days?start=2026-12-24&days=999999", headers=bu)
    assert absurd.status_code == 422 and ["query", "days"] in _problem_fields(absurd)
    backward = await scheduling.client.get("/v1/calendar/add-working-days?start=2026-12-29&days=-1", headers=bu)
    assert backward.json()["date"] == "2026-12-24"  # the working day before, past Boxing Day's substitute


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "0002-06-01", "1899-12-31", "2201-01-01"])
async def test_dates_outside_1900_to_2200_are_refused_naming_the_field_and_the_range(scheduling, issuer, start):
    bu = bearer(issuer, "partnership", "business_unit")
    answer = await scheduling.client.get(f"/v1/calendar/add-working-days?start={start}&days=2000", headers=bu)
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["query", "start"]
    assert "1 January 1900 to 31 December 2200" in problem["msg"]


async def test_the_edges_of_the_range_are_counted(scheduling, issuer):
    bu = bearer(issuer, "partnership", "business_unit")
    first = await scheduling.client.get("/v1/calendar/add-working-days?start=1900-01-01&days=-2000", headers=bu)
    last = await scheduling.client.get("/v1/calendar/add-working-days?start=2200-12-31&days=2000", headers=bu)
    assert first.status_code == 200 and first.json()["date"].startswith("189")
    assert last.status_code == 200 and last.json()["date"].startswith("220")


async def test_a_pause_needs_a_reason_and_an_unknown_deadline_is_404(scheduling, issuer):
    bu = bearer(issuer, "partnership", "business_unit")
    [complete] = [d for d in (await scheduling.client.get(f"/v1/deadlines?case_id={CASE}", headers=bu)).json()
                  if d["key"] == "rr.complete"]
    no_reason = await scheduling.client.post(f"/v1/deadlines/{complete['deadline_id']}/pause", json={}, headers=bu)
    assert no_reason.status_code == 422 and ["body", "reason"] in _problem_fields(no_reason)
    unknown = await scheduling.client.post("/v1/deadlines/nope/pause", json={"reason": "court"}, headers=bu)
    assert unknown.status_code == 404
    referrer = bearer(issuer, "police", "referrer")
    forbidden = await scheduling.client.post(f"/v1/deadlines/{complete['deadline_id']}/pause",
                                             json={"reason": "court proceedings"}, headers=referrer)
    assert forbidden.status_code == 403
    paused = await scheduling.client.post(f"/v1/deadlines/{complete['deadline_id']}/pause",
                                          json={"reason": "parallel court proceedings"}, headers=bu)
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    again = await scheduling.client.post(f"/v1/deadlines/{complete['deadline_id']}/pause",
                                         json={"reason": "parallel court proceedings"}, headers=bu)
    assert again.status_code == 409


async def test_unknown_rule_keys_are_404_and_the_effective_rules_are_listed(scheduling, issuer):
    bu = bearer(issuer, "partnership", "business_unit")
    assert (await scheduling.client.get("/v1/rules/rr.nonsense", headers=bu)).status_code == 404
    listed = (await scheduling.client.get("/v1/rules", headers=bu)).json()
    keys = {r["key"] for r in listed["rules"]}
    assert {"rr.complete", "sar.decision", "macfa.audit_date", "training.follow_up"} <= keys
    complete = (await scheduling.client.get("/v1/rules/rr.complete", headers=bu)).json()
    assert complete["anchor"] == "became_aware_on" and complete["source"] == ["F", "WT"]


async def test_an_agency_sees_its_own_week_and_not_anothers(scheduling, issuer):
    police = bearer(issuer, "police", "referrer")
    assert (await scheduling.client.get("/v1/deadlines/this-week?agency=icb", headers=police)).status_code == 403
    assert (await scheduling.client.get("/v1/deadlines/this-week?agency=nowhere",
                                        headers=bearer(issuer, "partnership", "business_unit"))).status_code == 422
    week = (await scheduling.client.get("/v1/deadlines/this-week",
                                        headers=bearer(issuer, "partnership", "business_unit"))).json()
    assert week["week_start"] == "2026-12-21" and week["week_end"] == "2026-12-27"
    assert [d["key"] for d in week["due"]] == ["rr.scoping_sent"]  # due Wednesday 23 December


async def test_the_case_calendar_feed_imports_as_icalendar(scheduling, issuer):
    bu = bearer(issuer, "partnership", "business_unit")
    response = await scheduling.client.get(f"/v1/calendar/cases/{CASE}.ics", headers=bu)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["x-safeguard-duty"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"rr.panel_notified", "rr.scoping_sent", "rr.meeting", "rr.complete"}
    # Titles in words with the case reference: no rule key, no case id.
    titles = [str(e["summary"]) for e in events.values()]
    assert "The local authority notifies the national Panel of the serious incident" in " ".join(titles)
    for title in titles:
        assert "rr." not in title and CASE[:8] not in title and "partnership case RR-2026-" in title, title
    meeting = events["rr.meeting"]
    # The meeting's window spans 4 to 12 January 2027; an all-day event ends the day after.
    assert meeting.decoded("dtstart") == date(2027, 1, 4) and meeting.decoded("dtend") == date(2027, 1, 13)
    assert all(str(e["uid"]).endswith("@safeguard.local") for e in events.values())
    agency = await scheduling.client.get("/v1/calendar/agencies/local_authority.ics", headers=bu)
    assert agency.status_code == 200 and b"X-SAFEGUARD-DUTY:rr.panel_notified" in agency.content


async def test_an_agencys_open_deadlines_on_every_case_are_listed_for_it_and_no_other(scheduling, issuer):
    la = bearer(issuer, "local_authority", "safeguarding_lead")
    mine = await scheduling.client.get("/v1/deadlines", params={"agency": "local_authority"}, headers=la)
    assert mine.status_code == 200
    assert [d["key"] for d in mine.json()] == ["rr.panel_notified"]  # the local authority notifies the Panel
    assert (await scheduling.client.get("/v1/deadlines", params={"agency": "police"}, headers=la)).status_code == 403
    bu = bearer(issuer, "partnership", "business_unit")
    police = await scheduling.client.get("/v1/deadlines", params={"agency": "police"}, headers=bu)
    assert police.status_code == 200 and all(d["status"] in ("pending", "due_soon", "overdue") for d in police.json())
    unknown = await scheduling.client.get("/v1/deadlines", params={"agency": "nobody"}, headers=bu)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["query", "agency"]
