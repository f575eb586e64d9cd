"""The board's figures, built only from events: a replay gives the same figures, and nothing that
could identify a child ever reaches them.

The reporting service's projection is the handler its bootstrap subscribes to every producer's
stream; events reach it through the service's own Inbox as the consumer hands them over, or
directly, as a rebuild of the read models replays them. Store: SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import event, select

from reporting.adapters.orm import inbox, metadata, rm_cases, rm_deadlines
from reporting.application import queries
from reporting.application.event_handlers import projecting
from reporting.domain import figures as F
from safeguard_shared.contracts import Envelope
from safeguard_shared.contracts.audits import AuditPlanned
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened, MilestoneReached
from safeguard_shared.contracts.scheduling import DeadlineMet, DeadlineScheduled
from safeguard_shared.db import defer_appends, write_appends
from safeguard_testing.apps import CANARIES, CANARY_REFERENCE, bearer, migrated

AT = datetime(2026, 12, 21, 10, tzinfo=UTC)
SERIOUS = "11111111-0000-4000-8000-000000000001"
NOT_SERIOUS = "11111111-0000-4000-8000-000000000002"
AUDIT = "22222222-0000-4000-8000-000000000001"
COMPLETE = "33333333-0000-4000-8000-000000000001"


def project_into(service):
    """The live consumer's handler for this service: its projections, through EVENT_HANDLERS."""
    return projecting(service.runtime.outbox, service.runtime.clock)


def env(event, producer: str) -> Envelope:
    return event.envelope(producer=producer, occurred_at=AT)


def opened(case_id: str, *, rapid_review: bool) -> Envelope:
    return env(CaseOpened(case_id=case_id, case_ref=f"RR-2026-{case_id[:6].upper()}", pathway="child",
                          referring_agency="police", received_on=date(2026, 12, 21),
                          became_aware_on=date(2026, 12, 21), involved_agencies=["local_authority", "police"],
                          serious_incident=rapid_review, rapid_review=rapid_review,
                          notices_owed=["national_panel"] if rapid_review else []), "referrals")


def a_weeks_events() -> list[Envelope]:
    """What the other services publish in the week a serious incident is referred."""
    return [
        opened(SERIOUS, rapid_review=True),
        opened(NOT_SERIOUS, rapid_review=False),
        env(DeadlineScheduled(deadline_id=COMPLETE, key="rr.complete", case_id=SERIOUS,
                              due=date(2027, 1, 14)), "scheduling"),
        env(DeadlineScheduled(deadline_id="33333333-0000-4000-8000-000000000002", key="rr.scoping_sent",
                              case_id=SERIOUS, due=date(2026, 12, 23)), "scheduling"),
        env(NotificationSent(notification_id="44444444-0000-4000-8000-000000000001", case_id=SERIOUS,
                             recipient_kind="national_panel", template="serious_incident_notification",
                             channel="outbox", sent_on=date(2026, 12, 21)), "notifications"),
        env(AuditPlanned(audit_id=AUDIT, theme="neglect in adolescence", kind="children",
                         qa_meeting_on=date(2027, 3, 10)), "audits"),
        # An event this version of reporting does not know: skipped, never a failure.
        Envelope(event_type="referrals.case.reopened", schema_version=1, occurred_at=AT, correlation_id="c",
                 producer="referrals", payload={"case_id": SERIOUS}),
    ]


@pytest.fixture
async def service(databases, tmp_path, issuer):
    async with migrated("reporting", database_url=await databases.at_head("reporting"), data_dir=tmp_path,
                        issuer=issuer) as running:
        yield running


async def consume(service, envelopes: list[Envelope]) -> list[bool]:
    return [await service.runtime.inbox.handle_once("reporting", e, project_into(service)) for e in envelopes]


async def rebuild(service, envelopes: list[Envelope]) -> None:
    """Replay straight into the read models, past the inbox, as rebuilding them from the streams does."""
    for e in envelopes:
        async with service.runtime.sessions() as session, session.begin():
            await project_into(service)(session, e)


async def figures(service) -> dict:
    async with service.runtime.sessions() as session:
        return F.summary(await queries.snapshot(session), service.runtime.clock.today())


async def every_stored_value(service) -> str:
    out = []
    for table in metadata.sorted_tables:
        out.extend(json.dumps(row, default=str) for row in await service.rows(table))
    return "\n".join(out)


async def test_a_weeks_events_give_the_boards_figures(service):
    await consume(service, a_weeks_events())

    # The summary's first keys, which tools already read, keep their meaning; more have been added.
    expected = {
        "cases": {"open": 2, "by_pathway": {"child": 2}, "by_stage": {"rapid_review": 1, "referral": 1}},
        "deadlines": {"by_status": {"pending": 2}, "by_key": {"rr.complete": 1, "rr.scoping_sent": 1}},
        "notifications": {"sent": 1, "by_recipient_kind": {"national_panel": 1}},
        "audits": {"by_kind": {"children": 1}},
    }
    summary = await figures(service)
    assert {part: {k: summary[part][k] for k in keys} for part, keys in expected.items()} == expected


async def test_replaying_the_same_events_gives_identical_figures(service):
    events = a_weeks_events()
    await consume(service, events)
    first = await figures(service)

    await rebuild(service, events)  # the read models rebuilt from the streams, in stream order
    assert await figures(service) == first
    await rebuild(service, events)
    assert await figures(service) == first
    assert await consume(service, events) == [False] * len(events), "redeliveries are recognised"
    assert await figures(service) == first
    assert await service.count(rm_cases) == 2
    assert await service.count(inbox) == len(events)


async def test_the_figures_and_the_read_models_hold_nothing_that_identifies_a_child(service, issuer):
    events = a_weeks_events()
    await consume(service, events)

    reader = bearer(issuer, "partnership", "reporting_reader")
    response = await service.client.get("/v1/reports/summary", headers=reader)
    dashboard = await service.client.get("/", headers=reader)

    assert response.status_code == 200 and response.json() == await figures(service)
    assert dashboard.status_code == 200
    for text in (response.text, dashboard.text):
        for canary in CANARIES:
            assert canary not in text
        for case_id in (SERIOUS, NOT_SERIOUS):  # aggregate only: not even the partnership's own ids
            assert case_id not in text and f"RR-2026-{case_id[:6].upper()}" not in text
    stored = await every_stored_value(service)
    for canary in CANARIES:
        assert canary not in stored


async def test_an_event_smuggling_a_childs_reference_is_refused_and_leaves_no_trace(service):
    smuggled = opened(SERIOUS, rapid_review=True)
    smuggled.payload["child_reference"] = CANARY_REFERENCE

    with pytest.raises(ValidationError):  # the consumer dead-letters it as rejected
        await consume(service, [smuggled])

    assert CANARY_REFERENCE not in await every_stored_value(service)
    assert await service.count(rm_cases) == 0 and await service.count(inbox) == 0


async def test_the_figures_are_for_reporting_roles_only(service, issuer):
    assert (await service.client.get("/v1/reports/summary")).status_code == 401
    referrer = bearer(issuer, "police", "referrer")
    assert (await service.client.get("/v1/reports/summary", headers=referrer)).status_code == 403
    assert (await service.client.get("/", headers=referrer)).status_code == 401


async def test_a_deadline_met_counts_as_met_in_the_figures(service):
    events = a_weeks_events()
    met = env(DeadlineMet(deadline_id=COMPLETE, key="rr.complete", case_id=SERIOUS, due=date(2027, 1, 14),
                          met_on=date(2027, 1, 12), on_time=True), "scheduling")

    await consume(service, events + [met])

    assert (await figures(service))["deadlines"]["by_status"] == {"met": 1, "pending": 1}


async def test_each_rule_reads_in_the_words_scheduling_gave_it_newest_first(service, issuer):
    # A partnership changed the rule's wording during the year: the newer deadline's words are shown.
    # A deadline scheduled before events carried a description is shown under its key's label.
    def scheduled(deadline_id: str, key: str, on: datetime, description: str | None) -> Envelope:
        return DeadlineScheduled(deadline_id=deadline_id, key=key, case_id=SERIOUS, due=date(2027, 1, 14),
                                 description=description).envelope(producer="scheduling", occurred_at=on)

    await consume(service, [
        opened(SERIOUS, rapid_review=True),  # a case reporting knows: deadlines of unknown cases are not counted
        scheduled("55555555-0000-4000-8000-000000000001", "rr.complete", AT, "the rapid review is completed"),
        scheduled("55555555-0000-4000-8000-000000000002", "rr.complete", datetime(2027, 1, 4, 10, tzinfo=UTC),
                  "the rapid review is completed within 20 working days of becoming aware"),
        scheduled("55555555-0000-4000-8000-000000000003", "rr.meeting", AT, None)])

    rows = (await service.client.get("/v1/reports/timeliness",
                                     headers=bearer(issuer, "partnership", "reporting_reader"))).json()["rows"]
    assert {r["key"]: r["what"] for r in rows} == {
        "rr.meeting": "rr: meeting",
        "rr.complete": "the rapid review is completed within 20 working days of becoming aware"}


async def test_a_training_follow_up_keeps_its_completion_not_an_audit(service):
    follow_up = env(DeadlineScheduled(deadline_id="66666666-0000-4000-8000-000000000001", key="training.follow_up",
                                      completion_id="77777777-0000-4000-8000-000000000001", due=date(2027, 3, 10),
                                      description="the follow-up survey is sent"), "scheduling")

    await consume(service, [follow_up])

    async with service.runtime.sessions() as session:
        row = (await session.execute(select(rm_deadlines))).mappings().one()
    assert (row["completion_id"], row["audit_id"]) == ("77777777-0000-4000-8000-000000000001", None)
    assert row["description"] == "the follow-up survey is sent"


UNKNOWN = "11111111-0000-4000-8000-0000000000ff"


def facts_for(case_id: str, n: str) -> list[Envelope]:
    """A Panel notice, a deadline and a milestone for ``case_id``: the case-level facts of other streams."""
    return [
        env(NotificationSent(notification_id=f"44444444-0000-4000-8000-0000000000{n}", case_id=case_id,
                             recipient_kind="national_panel", template="serious_incident_notification",
                             channel="outbox", sent_on=date(2026, 12, 21)), "notifications"),
        env(DeadlineScheduled(deadline_id=f"33333333-0000-4000-8000-0000000000{n}", key="rr.complete",
                              case_id=case_id, due=date(2027, 1, 14)), "scheduling"),
        env(MilestoneReached(case_id=case_id, fact="meeting_held", on=date(2026, 12, 22)), "referrals"),
    ]


async def test_facts_for_a_case_no_one_opened_are_not_counted_and_early_ones_count_once_it_opens(service):
    # A notice for a case the clock rejected (no case opened), and facts that arrive before their case.
    await consume(service, facts_for(UNKNOWN, "f1") + facts_for(SERIOUS, "f2"))

    early = await figures(service)
    assert early["cases"]["open"] == 0
    assert early["notifications"]["sent"] == 0
    assert sum(early["deadlines"]["by_status"].values()) == 0

    await consume(service, [opened(SERIOUS, rapid_review=True)])  # the case opens: its early facts count

    live = await figures(service)
    assert live["cases"]["open"] == 1 and live["cases"]["by_stage"] == {"meeting_held": 1}  # the early milestone counts
    assert live["notifications"] == {"sent": 1, "by_recipient_kind": {"national_panel": 1}}
    assert live["deadlines"]["by_status"] == {"pending": 1}

    # The replay, in the streams' order (each producer's stream whole), agrees with the live consumer.
    events = facts_for(UNKNOWN, "f1") + facts_for(SERIOUS, "f2") + [opened(SERIOUS, rapid_review=True)]
    async with service.runtime.sessions() as session, session.begin():
        for table in reversed(metadata.sorted_tables):
            if table.name.startswith("rm_"):
                await session.execute(table.delete())
    for producer in ("notifications", "scheduling", "referrals"):
        await rebuild(service, [e for e in events if e.producer == producer])
    assert await figures(service) == live


async def read_models(service) -> list[str]:
    """Every row of the read models (not the inbox), in a stable order."""
    out = []
    for table in metadata.sorted_tables:
        if table.name.startswith("rm_"):
            out.extend(sorted(json.dumps(row, default=str, sort_keys=True) for row in await service.rows(table)))
    return out


async def test_a_consumers_batch_writes_the_read_models_folded_the_same_rows_as_one_event_at_a_time(service):
    """The batch consumer handles a week's events in one transaction. Nothing is written while the events
    are handled; at the end each read model's rows go in one statement per set of columns, fewer than
    the upserts one event at a time would run (a deadline scheduled and then met is one row written once),
    and the rows are the same as those the events give written one by one."""
    week = a_weeks_events() + [
        env(DeadlineMet(deadline_id=COMPLETE, key="rr.complete", case_id=SERIOUS, due=date(2027, 1, 14),
                        met_on=date(2027, 1, 12), on_time=True), "scheduling"),
        env(MilestoneReached(case_id=SERIOUS, fact="rapid_review_meeting_held", on=date(2027, 1, 5),
                             anchor="meeting_held_on"),
            "referrals")]
    upserts: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO rm_"):
            upserts.append(len(parameters) if executemany else 1)

    event.listen(service.runtime.engine.sync_engine, "before_cursor_execute", count)
    async with service.runtime.sessions() as session, session.begin():
        defer_appends(session)
        for e in week:
            await project_into(service)(session, e)
        assert upserts == [], "the read models were written while the batch was handled"
        await write_appends(session)
    batched, statements = await read_models(service), len(upserts)
    upserts.clear()

    async with service.runtime.sessions() as session, session.begin():
        for table in metadata.sorted_tables:
            if table.name.startswith("rm_"):
                await session.execute(table.delete())
    await rebuild(service, week)  # one event at a time, as before
    assert await read_models(service) == batched
    assert 0 < statements < len(upserts), f"{statements} statements folded, {len(upserts)} one event at a time"
