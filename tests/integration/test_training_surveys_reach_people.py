"""A training survey reaches a real person (issue 13), through the audits, scheduling and notifications
services on a real NATS server and real stores (SQLite and PostgreSQL), and a real SMTP server:

- the business unit imports completions with the trainee's and the manager's e-mail addresses, which
  stay in the audits store: no event and no other store holds them;
- on the day the scheduling service gives, the audits service owes the survey's message without the
  address; the notifications service asks the audits service for the address and the signed link as
  it sends, and the trainee gets an e-mail in plain words with the partnership's contact details;
- the survey is sent, and its clock met, only once the message has left;
- the trainee answers through the link, without an account;
- completions imported long after their survey's day are listed once as late, never sent, and no
  clock goes overdue for them.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from notifications.adapters.orm import notifications as MESSAGE_LOG  # noqa: N812  (the table, by its role)
from safeguard_shared.clock import ManualClock
from safeguard_testing.apps import bearer, running
from safeguard_testing.toy import eventually

LONDON = ZoneInfo("Europe/London")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PUBLIC = "https://training.northshire.example"
PARTNERSHIP = dict(partnership="Northshire Safeguarding Children and Adults Partnership",
                   partnership_address="County Hall, Market Street, Northtown NT1 1AA",
                   partnership_phone="01632 960123", partnership_email="safeguarding.partnership@northshire.example")
TRAINEE, MANAGER = "sam.trainee@police.example", "alex.manager@police.example"
COMPLETIONS = {"completions": [
    # Completed Monday 5 October 2026: the follow-up falls due on Tuesday 5 January 2027.
    {"trainee": "STAFF-0101", "agency": "police", "course": "Core safeguarding children",
     "completed_on": "2026-10-05", "manager": "MGR-7", "trainee_email": TRAINEE, "manager_email": MANAGER},
    # Completed in June 2025 and imported now: both surveys are long past their day.
    {"trainee": "STAFF-0009", "agency": "school", "course": "Core safeguarding children",
     "completed_on": "2025-06-02", "trainee_email": "old.trainee@school.example",
     "manager_email": "old.manager@school.example"}]}


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
async def services(databases, nats_url, bus_namespace, tmp_path, issuer, over_smtp):
    clock = ManualClock(morning(date(2027, 1, 4)))
    extra = {"notifications": {**over_smtp, **PARTNERSHIP},
             "audits": dict(public_base_url=PUBLIC)}
    async with running(("audits", "scheduling", "notifications"), databases=databases, nats_url=nats_url,
                       bus_namespace=bus_namespace, data_dir=tmp_path, issuer=issuer, clock=clock,
                       settings=extra) as started:
        # The notifications service reaches the audits service over HTTP: here its in-process client
        # (the caller is this machine, as in the embedded default, so no recipients token is needed).
        surveys = started["notifications"].app.state.dispatcher.surveys
        surveys.client, surveys.base_url = started["audits"].client, "http://audits.test"
        yield started, clock


async def outbox_bodies(service) -> str:
    async with service.runtime.sessions() as session:
        return "\n".join((await session.execute(select(service.runtime.outbox.table.c.body))).scalars().all())


async def test_a_follow_up_survey_reaches_the_trainee_and_its_clock_is_met_when_it_has_left(services, issuer,
                                                                                           smtp_server):
    started, clock = services
    audits, scheduling, notifications = (started[n] for n in ("audits", "scheduling", "notifications"))
    bu = bearer(issuer, "partnership", "business_unit")
    imported = await audits.client.post("/v1/training/completions", json=COMPLETIONS, headers=bu)
    assert imported.status_code == 200, imported.text

    async def every_day_known():
        rows = (await audits.client.get("/v1/training/surveys", headers=bu)).json()
        return rows if len(rows) == 4 and all(r["due_on"] for r in rows) else None

    surveys = await eventually(every_day_known, timeout=20)
    assert surveys, "the scheduling service's days never reached the surveys"
    by = {(s["agency"], s["kind"]): s for s in surveys}
    # The old completion's surveys are listed once as late, not yet sent; the new one waits for its day.
    assert (by["school", "follow_up"]["status"], by["school", "manager"]["status"]) == ("late", "late")
    assert by["police", "follow_up"]["status"] == "pending" and by["police", "follow_up"]["due_on"] == "2027-01-05"

    clock.set(morning(date(2027, 1, 5)))
    # The service's own timer does this too; the business unit need not wait for it.
    issued = await audits.client.post("/v1/training/surveys/issue", headers=bu)
    assert issued.status_code == 200 and issued.json()["sent"] <= 1

    async def arrived():
        return [m for m in smtp_server.relay.received if m["To"] == TRAINEE]

    [message] = await eventually(arrived, timeout=20)
    text = message.get_body(("plain",)).get_content()
    flat = " ".join(text.split())
    assert message["Subject"] == "Safeguarding training: a follow-up survey three months on"
    assert 'You completed "Core safeguarding children" on Monday 5 October 2026' in flat
    [link] = re.findall(rf"{re.escape(PUBLIC)}/surveys/\S+", text)
    assert "The link works until Saturday 6 March 2027" in flat  # 60 days (AUDITS_SURVEY_LINK_DAYS)
    for detail in ("Northshire Safeguarding Children and Adults Partnership", "County Hall", "Northtown NT1 1AA",
                   "01632 960123", "safeguarding.partnership@northshire.example"):
        assert detail in flat, detail
    assert not UUID.search(text.replace(link, "")) and not ISO_DATE.search(text), text
    assert "training.follow_up" not in text

    async def met():
        deadlines = (await scheduling.client.get("/v1/deadlines", headers=bu, params={
            "completion_id": by["police", "follow_up"]["completion_id"]})).json()
        follow_up = next(d for d in deadlines if d["key"] == "training.follow_up")
        return follow_up if follow_up["status"] == "met" else None

    follow_up = await eventually(met, timeout=20)
    assert follow_up and follow_up["met_on"] == "2027-01-05", "met once the message had left"
    sent = (await audits.client.get("/v1/training/surveys", headers=bu, params={"status": "sent"})).json()
    assert [(s["agency"], s["kind"], s["sent_on"]) for s in sent] == [("police", "follow_up", "2027-01-05")]

    # The addresses and the link never left the audits store: not on the bus, not in the message log.
    for service in (audits, scheduling, notifications):
        bus = await outbox_bodies(service)
        assert TRAINEE not in bus and MANAGER not in bus and "/surveys/" not in bus, service.name
    [row] = [r for r in await notifications.rows(MESSAGE_LOG)
             if r["template"] == "training_follow_up_survey"]
    assert row["recipient_address"] == "" and TRAINEE not in row["body"] and link not in row["body"]

    # The trainee answers through the link, with no account.
    path = link.removeprefix(PUBLIC)
    page = await audits.client.get(path)
    assert page.status_code == 200 and "Saturday 6 March 2027" in page.text
    answered = await audits.client.post(path, data={"practice_changed": "yes", "confidence_before": "2",
                                                    "confidence_after": "4"})
    assert answered.status_code == 200, answered.text
    [survey] = [s for s in (await audits.client.get("/v1/training/surveys", headers=bu)).json()
                if s["survey_id"] == by["police", "follow_up"]["survey_id"]]
    assert survey["status"] == "answered" and survey["answers"]["confidence_after"] == 4

    # Four months on, the manager's survey names the trainee by staff number (from the audits store).
    clock.set(morning(date(2027, 2, 5)))
    await audits.client.post("/v1/training/surveys/issue", headers=bu)

    async def to_the_manager():
        return [m for m in smtp_server.relay.received if m["To"] == MANAGER]

    [to_manager] = await eventually(to_the_manager, timeout=20)
    manager_text = " ".join(to_manager.get_body(("plain",)).get_content().split())
    assert "A member of your team (staff number STAFF-0101) completed" in manager_text
    assert "Monday 5 October 2026" in manager_text and "The link works until Tuesday 6 April 2027" in manager_text

    # Nothing went to the old completion's people, and none of its clocks went overdue.
    assert not [m for m in smtp_server.relay.received if "school.example" in m["To"]]
    old = (await scheduling.client.get("/v1/deadlines", headers=bu, params={
        "completion_id": by["school", "follow_up"]["completion_id"]})).json()
    assert {d["status"] for d in old} == {"closed"}
    # (The police follow-up may have had its "due soon" reminder: that one is real.)
    overdue = [r for r in await notifications.rows(MESSAGE_LOG) if r["template"] == "deadline_overdue"]
    assert overdue == []
