"""The migrations and the tables the code uses stay in step, on SQLite and PostgreSQL: a column added
to adapters/orm.py without a migration (or the other way round) fails here, not in production."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from notifications.adapters.orm import metadata
from safeguard_testing.apps import migrated


@pytest.fixture
async def service(databases, tmp_path, issuer):
    async with migrated("notifications", database_url=await databases.anew("notifications"), data_dir=tmp_path,
                        issuer=issuer) as running:
        yield running


def _drift(sync_conn) -> list:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
    # alembic_version is the migrations' own bookkeeping, not a table of the service.
    return [d for d in compare_metadata(context, metadata)
            if not (d[0] == "remove_table" and d[1].name == "alembic_version")]


async def test_the_migrated_store_is_the_store_the_code_describes(service):
    async with service.runtime.engine.connect() as conn:
        assert await conn.run_sync(_drift) == []
