"""The audits service's app on a fresh store, in this process, for the audits benchmarks (no broker:
the events stay in the outbox, as they would until the relay publishes them)."""
from __future__ import annotations

import tempfile
import uuid
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import httpx

from audits.bootstrap import bootstrap
from audits.config import load_settings
from safeguard_shared.auth import LocalIssuer
from safeguard_shared.clock import FixedDateClock


@asynccontextmanager
async def audits_app(postgres: str | None, today: date = date(2027, 1, 4)):
    import asyncpg

    tmp = Path(tempfile.mkdtemp(prefix="audits-bench-"))
    dbname = None
    if postgres:
        dbname = f"sg_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(postgres)
        await conn.execute(f'CREATE DATABASE "{dbname}"')
        await conn.close()
        url = postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + dbname
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'audits.sqlite3'}"
    issuer = LocalIssuer(tmp / "issuer")
    issuer.ensure_keys()
    settings = load_settings(database_url=url, data_dir=tmp, nats_url="nats://127.0.0.1:1",
                             auth_public_key_file=issuer.public_key_file)
    app = bootstrap(settings, clock=FixedDateClock(today))
    await app.state.runtime.migrate()
    token = issuer.mint(agency="partnership", roles=["qa_lead", "business_unit"])
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://audits.bench") as client:
            yield app, client, token
    finally:
        await app.state.runtime.engine.dispose()
        if dbname:
            conn = await asyncpg.connect(postgres)
            await conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
            await conn.close()
