"""The audits service for a test: its app on a migrated store (SQLite and PostgreSQL, through the root
``databases`` fixture), a clock the test moves by hand, and the QA sub-group's desk (audits_desk.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # audits_desk, for the tests of this service

from audits_desk import START, Desk, at  # noqa: E402

from safeguard_shared.clock import ManualClock  # noqa: E402
from safeguard_testing.apps import migrated  # noqa: E402


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at(START))


@pytest.fixture
async def service(databases, tmp_path, issuer, clock):
    async with migrated("audits", database_url=await databases.at_head("audits"), data_dir=tmp_path,
                        issuer=issuer, clock=clock) as running:
        yield running


@pytest.fixture
def desk(service, issuer, clock) -> Desk:
    return Desk(service, issuer, clock)
