"""The migrations and the tables the code uses stay in step, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reporting.adapters.orm import metadata
from safeguard_testing.apps import migrated


@pytest.fixture
async def service(databases, tmp_path, issuer):
    async with migrated("reporting", database_url=await databases.anew("reporting"), data_dir=tmp_path,
                        issuer=issuer) as running:
        yield running


async def test_the_migrated_store_has_exactly_the_tables_and_columns_the_code_uses(service):
    def differences(sync_conn) -> list:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata)
                if not (d[0] == "remove_table" and d[1].name == "alembic_version")]

    async with service.runtime.engine.connect() as conn:
        found = await conn.run_sync(differences)

    assert found == []
