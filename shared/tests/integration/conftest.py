"""The toy service every bus test here runs on: its own SQLite store, the real relay and consumer."""
from __future__ import annotations

import pytest

from safeguard_testing.toy import Toy


@pytest.fixture
async def toy(nats_url, bus_namespace, sqlite_databases):
    t = Toy(sqlite_databases.new("toy"), nats_url, bus_namespace)
    await t.start_store()
    yield t
    await t.close()
