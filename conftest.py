"""Fixtures every tier shares: a real NATS JetStream server and real databases.

The broker and the databases are taken in this order (docs/architecture.md, "Running it"): URLs from the environment
(``NATS_URL``, ``POSTGRES_URL``); else testcontainers, where a Docker engine answers; else the
embedded ``nats-server`` binary and SQLite only (the PostgreSQL cases are then skipped, saying why).
Each test gets its own bus namespace and its own databases, so runs never see each other's events.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest


def _docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory):
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
        return
    if _docker_answers():
        from testcontainers.community.nats import NatsContainer

        with NatsContainer(jetstream=True) as container:
            yield container.nats_uri()
        return
    from safeguard_cli.nats_server import EmbeddedNats
    from safeguard_testing.ports import free_port

    server = EmbeddedNats(tmp_path_factory.mktemp("nats"), port=free_port())
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def postgres_admin_url():
    if os.environ.get("POSTGRES_URL"):
        yield os.environ["POSTGRES_URL"]
        return
    if _docker_answers():
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as container:
            yield container.get_connection_url()
        return
    yield None


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class DatabaseFactory:
    """Makes fresh, empty databases of one kind, and drops the PostgreSQL ones afterwards."""

    def __init__(self, kind: str, tmp_path: Path, admin_url: str | None):
        self.kind = kind
        self.tmp_path = tmp_path
        self.admin_url = admin_url
        self.created: list[str] = []

    def new(self, label: str = "db") -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp_path / f'{label}-{uuid.uuid4().hex[:6]}.sqlite3'}"
        name = f"sg_test_{label}_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(self.admin_url, f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)

    async def anew(self, label: str = "db") -> str:
        if self.kind == "sqlite":
            return self.new(label)
        name = f"sg_test_{label}_{uuid.uuid4().hex[:10]}"
        await _admin(self.admin_url, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)

    def drop_all(self) -> None:
        for name in self.created:
            try:
                asyncio.run(_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception:
                pass


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def databases(request, tmp_path, postgres_admin_url):
    """Parametrises a test over the embedded default's SQLite and production's PostgreSQL."""
    if request.param == "postgresql" and not postgres_admin_url:
        pytest.skip("no PostgreSQL: set POSTGRES_URL (CI does) or run a Docker engine")
    factory = DatabaseFactory(request.param, tmp_path, postgres_admin_url)
    yield factory
    if factory.kind == "postgresql":
        factory.drop_all()


@pytest.fixture
def postgres_databases(tmp_path, postgres_admin_url):
    """Fresh PostgreSQL databases only, for what only means something there (replicas sharing a store)."""
    if not postgres_admin_url:
        pytest.skip("no PostgreSQL: set POSTGRES_URL (CI does) or run a Docker engine")
    factory = DatabaseFactory("postgresql", tmp_path, postgres_admin_url)
    yield factory
    factory.drop_all()


@pytest.fixture
def sqlite_databases(tmp_path):
    return DatabaseFactory("sqlite", tmp_path, None)


@pytest.fixture
def bus_namespace(nats_url):
    """A namespace of this test's own; its streams are deleted afterwards."""
    namespace = f"t{uuid.uuid4().hex[:10]}"
    yield namespace

    async def _cleanup() -> None:
        import nats

        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            for info in await js.streams_info():
                if info.config.name.startswith(f"{namespace}_"):
                    await js.delete_stream(info.config.name)
        finally:
            await nc.close()

    try:
        asyncio.run(_cleanup())
    except RuntimeError:
        pass


@pytest.fixture
def issuer(tmp_path):
    from safeguard_shared.auth import LocalIssuer

    local = LocalIssuer(tmp_path / "issuer")
    local.ensure_keys()
    return local
