"""The migrations and the tables the code uses stay in step, on SQLite and PostgreSQL; and the
migration that gives training clocks their own ``completion_id`` moves the rows a store already has."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import column, insert, select, table

from safeguard_shared.db import create_engine
from safeguard_testing.apps import migrated
from scheduling.adapters import store
from scheduling.adapters.orm import deadline_history, deadlines, early_facts, metadata, occasions, outbox
from scheduling.bootstrap import MIGRATIONS
from scheduling.domain.deadlines import OPEN_STATUSES


@pytest.fixture
async def scheduling(databases, tmp_path, issuer):
    async with migrated("scheduling", database_url=await databases.anew("scheduling"), data_dir=tmp_path,
                        issuer=issuer) as service:
        yield service


async def test_the_migrated_store_has_exactly_the_tables_and_columns_the_code_uses(scheduling):
    def differences(sync_conn) -> list:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata) if not (d[0] == "remove_table" and d[1].name ==
                                                                         "alembic_version")]

    async with scheduling.runtime.engine.connect() as conn:
        found = await conn.run_sync(differences)

    assert found == []


async def test_a_fact_reads_its_own_cases_clocks_not_every_open_deadline(scheduling):
    """Recording a fact (a notice sent, a decision made) looks up the open clocks of one occasion. On
    SQLite that lookup once read every open deadline of every case (the status index), so each fact cost
    more as the partnership's cases grew; it now searches the occasion's index."""
    engine = scheduling.runtime.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL's planner chooses by its statistics")
    query = store._WITH_CASE_REF.where(deadlines.c.occasion == "case:a-case",
                                       deadlines.c.status.in_(OPEN_STATUSES))
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    async with engine.connect() as conn:
        plan = [row[-1] for row in (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")).all()]
    [deadlines_step] = [step for step in plan if " deadlines " in f" {step} "]
    assert "USING INDEX ix_deadlines_occasion (occasion=? AND status=?)" in deadlines_step, plan


def _migrate_to(sync_conn, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, revision)


async def test_training_clocks_started_before_completion_id_existed_move_to_it(databases):
    engine = create_engine(await databases.anew("scheduling"))
    now = datetime(2027, 1, 15, 10, tzinfo=UTC)
    completion, audit = "7a1e0000-0000-4000-8000-000000000001", "a0d17000-0000-4000-8000-000000000001"
    row = dict(agency="", occurrence=1, anchor_name="x", anchor_on=date(2027, 1, 15), due=date(2027, 4, 15),
               status="pending", explanation="", skipped=[], escalations=0, created_at=now, updated_at=now)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate_to, "0001")
            # The deadlines table as revision 0001 made it: no completion_id yet.
            before = table("deadlines", *(column(c.name, c.type) for c in deadlines.c if c.name != "completion_id"))
            await conn.execute(insert(before), [
                dict(row, deadline_id="d-training", key="training.follow_up", audit_id=completion,
                     occasion=f"audit:{completion}"),
                dict(row, deadline_id="d-audit", key="macfa.report", audit_id=audit, occasion=f"audit:{audit}")])
            await conn.execute(insert(occasions), [
                dict(occasion=f"audit:{completion}", process="training", involved_agencies=["school"], anchors={},
                     updated_at=now),
                dict(occasion=f"audit:{audit}", process="audit", involved_agencies=[], anchors={}, updated_at=now)])
            await conn.run_sync(_migrate_to, "head")
            moved = {r.deadline_id: r for r in (await conn.execute(select(deadlines))).all()}
            kept = {r.occasion for r in (await conn.execute(select(occasions))).all()}
    finally:
        await engine.dispose()

    assert (moved["d-training"].completion_id, moved["d-training"].audit_id) == (completion, None)
    assert moved["d-training"].occasion == f"training:{completion}"
    assert (moved["d-audit"].audit_id, moved["d-audit"].completion_id) == (audit, None)
    assert kept == {f"training:{completion}", f"audit:{audit}"}


async def test_a_sars_delay_reasons_in_words_are_scrubbed_from_the_store_and_a_pause_of_its_own_is_kept(databases):
    """Version 1 of the delay event carried the business unit's words; what the clock wrote from them
    (issue 12) goes, wherever it is, and only it."""
    engine = create_engine(await databases.anew("scheduling"))
    now = datetime(2027, 7, 1, 10, tzinfo=UTC)
    paused, resumed, earlier = ("the son's trial at Exampletown Crown Court", "the inquest into Mrs Example's death",
                                "police investigation of the care home")
    early, published = "the family's civil claim against the council", "safeguarding enquiry into her neighbour"
    own = "waiting for the business unit's own check of the chronology"
    row = dict(agency="", occurrence=1, anchor_name="commissioned_on", anchor_on=date(2027, 2, 12),
               due=date(2027, 8, 12), skipped=[], escalations=0, created_at=now, updated_at=now,
               case_id="c1", occasion="case:c1")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate_to, "0004")
            await conn.execute(insert(deadlines), [
                dict(row, deadline_id="d1", key="sar.signed_off", status="paused", status_reason=paused,
                     explanation="sar.signed_off is due by 2027-08-12", changed_by=None),
                dict(row, deadline_id="d2", key="sar.published", status="pending",
                     status_reason=f"paused from 2027-03-01 ({resumed}) to 2027-04-01: 22 working day(s) added",
                     explanation=(f"sar.published is due by 2027-09-14: was due 2027-08-12, paused from 2027-03-01 "
                                  f"({resumed}) to 2027-04-01: 22 working day(s) added. resumed after: {resumed}"),
                     changed_by=None),
                dict(row, deadline_id="d3", key="sar.delay_update", status="pending", status_reason=None,
                     explanation=f"Moved: {early}. sar.delay_update is due by 2027-07-29", changed_by=None),
                dict(row, deadline_id="d4", key="sar.learning_event", status="paused", status_reason=own,
                     explanation="sar.learning_event is due by 2027-11-12", changed_by="bu-officer")])
            await conn.execute(insert(deadline_history), [
                dict(deadline_id="d1", at=now, change="paused", detail=f"paused on 2027-06-01: {paused}"),
                dict(deadline_id="d2", at=now, change="resumed", detail=f"paused from 2027-01-04 ({earlier}) to "
                     f"2027-02-01: 20 working day(s) added. resumed after: {earlier}"),
                dict(deadline_id="d4", at=now, change="paused", detail=f"paused on 2027-06-01: {own}")])
            await conn.execute(insert(early_facts), [dict(occasion="case:c2", fact="sar_delayed", on=date(2027, 6, 1),
                                                          anchor="delayed_on", reason=early, received_at=now)])
            await conn.execute(insert(outbox), [dict(
                event_id="e1", subject="scheduling.deadline.changed", created_at=now, published_at=now, attempts=1,
                body=json.dumps({"event_type": "scheduling.deadline.changed", "payload": {
                    "deadline_id": "d9", "change": "paused", "reason": published, "by": None}}))])
            await conn.run_sync(_migrate_to, "head")
            store = {t.name: [dict(r._mapping) for r in (await conn.execute(select(t))).all()]
                     for t in (deadlines, deadline_history, early_facts, outbox)}
    finally:
        await engine.dispose()

    everything = json.dumps(store, default=str)
    for words in (paused, resumed, earlier, early, published):
        assert words not in everything, words
    assert everything.count(own) == 2, "a pause the business unit made in the clock itself is its own record"
    by_id = {r["deadline_id"]: r for r in store["deadlines"]}
    assert by_id["d1"]["status_reason"] == "the SAR is delayed (the reason is recorded with the case)"
    assert by_id["d2"]["explanation"].endswith("resumed after: the SAR is delayed (the reason is recorded with "
                                               "the case)")
    assert json.loads(store["outbox"][0]["body"])["payload"]["reason"].startswith("the SAR is delayed")
