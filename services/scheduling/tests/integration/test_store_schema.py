"""The migrations and the tables the code uses stay in step, on SQLite and PostgreSQL; and the
migration that gives training clocks their own ``completion_id`` moves the rows a store already has."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import column, insert, select, table

from safeguard_shared.db import create_engine
from safeguard_testing.apps import migrated
from scheduling.adapters.orm import deadlines, metadata, occasions
from scheduling.bootstrap import MIGRATIONS


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
