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


class StoreTemplates:
    """Each service's store migrated once in this test process, on each kind of database, for tests that
    start the service to copy: a fifth of the integration tiers' time went on running the same
    migrations again for every test (about 0.5 s a store on PostgreSQL, 0.2 s on SQLite). A copy is a file
    copy on SQLite and ``CREATE DATABASE … TEMPLATE`` on PostgreSQL. The migrations' own tests, and every
    test that asks for an empty database (``anew``), still migrate from nothing."""

    def __init__(self, directory: Path, admin_url: str | None):
        self.directory = directory
        self.admin_url = admin_url
        self.made: dict[tuple[str, str], str] = {}  # (kind, service) -> the SQLite file, or the database's name

    async def template(self, kind: str, service: str) -> str:
        if (kind, service) not in self.made:
            self.made[kind, service] = await self._migrate(kind, service)
        return self.made[kind, service]

    async def _migrate(self, kind: str, service: str) -> str:
        from safeguard_shared.auth import LocalIssuer
        from safeguard_testing.apps import migrated

        if kind == "sqlite":
            name = str(self.directory / f"{service}.sqlite3")
            url = f"sqlite+aiosqlite:///{name}"
        else:
            assert self.admin_url is not None
            name = f"sg_template_{service}_{uuid.uuid4().hex[:10]}"
            await _admin(self.admin_url, f'CREATE DATABASE "{name}"')
            url = _database_url(self.admin_url, name)
        # The service's own migration, as it runs at start; its engine is disposed when the block ends.
        issuer = LocalIssuer(self.directory / "issuer")
        issuer.ensure_keys()  # the service's settings name its public key, though nothing is verified here
        try:
            async with migrated(service, database_url=url, data_dir=self.directory / "data", issuer=issuer):
                pass
        except BaseException:
            if kind == "postgresql" and self.admin_url:  # not left behind half made
                await _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise
        return name

    def drop_all(self) -> None:
        for (kind, _), name in self.made.items():
            if kind == "postgresql" and self.admin_url:
                try:
                    asyncio.run(_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                except Exception:
                    pass


def _database_url(admin_url: str, name: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory, postgres_admin_url):
    templates = StoreTemplates(tmp_path_factory.mktemp("store-templates"), postgres_admin_url)
    yield templates
    templates.drop_all()


class DatabaseFactory:
    """Makes fresh databases of one kind: empty (``new``, ``anew``), or with a service's store already
    migrated (``at_head``); drops the PostgreSQL ones afterwards."""

    def __init__(self, kind: str, tmp_path: Path, admin_url: str | None, templates: StoreTemplates | None = None):
        self.kind = kind
        self.tmp_path = tmp_path
        self.admin_url = admin_url
        self.templates = templates
        self.created: list[str] = []

    def new(self, label: str = "db") -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp_path / f'{label}-{uuid.uuid4().hex[:6]}.sqlite3'}"
        name = f"sg_test_{label}_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(self.admin_url, f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return _database_url(self.admin_url, name)

    async def anew(self, label: str = "db") -> str:
        if self.kind == "sqlite":
            return self.new(label)
        name = f"sg_test_{label}_{uuid.uuid4().hex[:10]}"
        await _admin(self.admin_url, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return _database_url(self.admin_url, name)

    async def at_head(self, service: str) -> str:
        """A fresh database holding ``service``'s store at its newest revision, as the service would
        leave it after migrating an empty one (the service then finds nothing to do)."""
        if self.templates is None:
            return await self.anew(service)
        template = await self.templates.template(self.kind, service)
        if self.kind == "sqlite":
            url = self.new(service)
            shutil.copyfile(template, url.split("///", 1)[1])
            return url
        assert self.admin_url is not None
        name = f"sg_test_{service}_{uuid.uuid4().hex[:10]}"
        for attempt in range(50):
            try:
                await _admin(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except Exception as exc:  # the template's last connection is still closing on the server
                if "being accessed by other users" not in str(exc) or attempt == 49:
                    raise
                await asyncio.sleep(0.1)
        self.created.append(name)
        return _database_url(self.admin_url, name)

    def drop_all(self) -> None:
        for name in self.created:
            try:
                asyncio.run(_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception:
                pass


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def databases(request, tmp_path, postgres_admin_url, store_templates):
    """Parametrises a test over the embedded default's SQLite and production's PostgreSQL."""
    if request.param == "postgresql" and not postgres_admin_url:
        pytest.skip("no PostgreSQL: set POSTGRES_URL (CI does) or run a Docker engine")
    factory = DatabaseFactory(request.param, tmp_path, postgres_admin_url, store_templates)
    yield factory
    if factory.kind == "postgresql":
        factory.drop_all()


@pytest.fixture
def postgres_databases(tmp_path, postgres_admin_url, store_templates):
    """Fresh PostgreSQL databases only, for what only means something there (replicas sharing a store)."""
    if not postgres_admin_url:
        pytest.skip("no PostgreSQL: set POSTGRES_URL (CI does) or run a Docker engine")
    factory = DatabaseFactory("postgresql", tmp_path, postgres_admin_url, store_templates)
    yield factory
    factory.drop_all()


@pytest.fixture
def sqlite_databases(tmp_path, store_templates):
    return DatabaseFactory("sqlite", tmp_path, None, store_templates)


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


@pytest.fixture(scope="session")
def _issuer_keys(tmp_path_factory):
    """One key pair per test process: making an RSA key costs about 0.1 s of CPU, and most tests need one."""
    from safeguard_shared.auth import LocalIssuer

    made = LocalIssuer(tmp_path_factory.mktemp("issuer-keys"))
    made.ensure_keys()
    return made


@pytest.fixture
def issuer(tmp_path, _issuer_keys):
    """The local issuer in this test's folder (a test that needs a second one, with other keys, makes it)."""
    from safeguard_shared.auth import LocalIssuer

    local = LocalIssuer(tmp_path / "issuer")
    local.directory.mkdir(parents=True)
    shutil.copy2(_issuer_keys.private_key_file, local.private_key_file)
    shutil.copy2(_issuer_keys.public_key_file, local.public_key_file)
    return local
