"""A service's store is migrated before the service starts, so the service never loads Alembic.

``safeguard up`` migrates each store in a short-lived process (``python -m safeguard_shared.db.migrate
SERVICE``); a service that then finds its store at the newest revision, read from its migrations
folder without Alembic, goes straight on. Alembic is about 10 MB of each process that loads it
(bench/idle_memory.py)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from safeguard_shared.db.migrate import head_revision, migrations_of

SERVICES = ("referrals", "scheduling", "notifications", "audits", "reporting")

# Starts the service's store the way its lifespan does, then says whether Alembic was loaded.
START_STORE = """
import asyncio, sys
from safeguard_shared.db import create_engine
from safeguard_shared.db.migrate import migrations_of, upgrade
from safeguard_shared.settings import ServiceSettings
import {service}.bootstrap
assert "alembic" not in sys.modules, "importing the service loads Alembic"
async def main():
    engine = create_engine(ServiceSettings.for_service("{service}", 0).resolved_database_url())
    await upgrade(engine, migrations_of("{service}"))
    await engine.dispose()
asyncio.run(main())
print("alembic loaded" if "alembic" in sys.modules else "alembic not loaded")
"""


def _run(args: list[str], data_dir) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["SAFEGUARD_DATA_DIR"] = str(data_dir)
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("service", SERVICES)
def test_the_newest_revision_read_from_the_files_is_alembics_own_head(service):
    folder = migrations_of(service)
    assert folder is not None
    config = Config()
    config.set_main_option("script_location", str(folder))
    assert head_revision(folder) == ScriptDirectory.from_config(config).get_current_head()


def test_the_workspace_has_no_store_to_migrate(tmp_path):
    assert migrations_of("workspace") is None
    assert _run(["-m", "safeguard_shared.db.migrate", "workspace"], tmp_path) == "workspace: no store to migrate"


def test_a_store_migrated_before_the_service_starts_spares_the_service_alembic(tmp_path):
    # A new store: the service migrates it itself, and so loads Alembic.
    assert _run(["-c", START_STORE.format(service="referrals")], tmp_path / "new") == "alembic loaded"

    # The same service on a store migrated beforehand, as safeguard up does it: no Alembic.
    migrated = tmp_path / "migrated"
    head = head_revision(migrations_of("referrals"))
    assert _run(["-m", "safeguard_shared.db.migrate", "referrals"], migrated) == \
        f"referrals: store migrated to {head}"
    assert _run(["-m", "safeguard_shared.db.migrate", "referrals"], migrated) == "referrals: store up to date"
    assert _run(["-c", START_STORE.format(service="referrals")], migrated) == "alembic not loaded"
