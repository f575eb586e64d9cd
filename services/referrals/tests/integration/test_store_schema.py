"""The migration and the tables the code uses stay in step, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from referrals.adapters.orm import metadata


async def test_the_migrated_store_has_exactly_the_tables_and_columns_the_code_uses(referrals):
    def differences(sync_conn) -> list:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata) if not (d[0] == "remove_table" and d[1].name ==
                                                                         "alembic_version")]

    async with referrals.runtime.engine.connect() as conn:
        found = await conn.run_sync(differences)

    assert found == []
