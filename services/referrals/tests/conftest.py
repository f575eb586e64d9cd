"""Fixtures the referrals service's tests share."""
from __future__ import annotations

import pytest

from safeguard_testing.apps import migrated


@pytest.fixture
async def referrals(databases, tmp_path, issuer):
    """The service's app on its migrated store (SQLite and PostgreSQL); no broker, so the outbox keeps
    exactly what a request wrote."""
    async with migrated("referrals", database_url=await databases.anew("referrals"), data_dir=tmp_path,
                        issuer=issuer) as service:
        yield service
