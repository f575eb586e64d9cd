"""Server-side sessions: the cookie carries only a random id; who signed in, their token and the
form's CSRF token stay here (a small table in the workspace's own store, SQLite by default).

The stored key is a hash of the cookie's value, so a copy of the table opens no session.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, MetaData, String, Table, Text, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from safeguard_shared.db import create_engine, session_factory
from safeguard_shared.db.types import UTCDateTime

metadata = MetaData()

sessions_table = Table(
    "workspace_sessions", metadata,
    Column("key", String(64), primary_key=True),
    Column("csrf_token", String(64), nullable=False),
    Column("name", String(200), nullable=True),
    Column("agency", String(60), nullable=True),
    Column("roles", JSON, nullable=False),
    Column("token", Text, nullable=True),
    # One message for the next page (a notification banner), removed when shown.
    Column("flash", JSON, nullable=True),
    # An OpenID Connect sign-in under way: its state, nonce, PKCE verifier and where to go after.
    Column("pending", JSON, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

ANONYMOUS_LIFETIME = timedelta(hours=1)


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class Session:
    session_id: str
    csrf_token: str
    expires_at: datetime
    name: str | None = None
    agency: str | None = None
    roles: list[str] = field(default_factory=list)
    token: str | None = None
    flash: dict[str, Any] | None = None
    pending: dict[str, Any] | None = None

    @property
    def signed_in(self) -> bool:
        return bool(self.token)


class SessionStore:
    def __init__(self, database_url: str):
        self.engine: AsyncEngine = create_engine(database_url)
        self._sessions = session_factory(self.engine)

    async def create_tables(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> bool:
        try:
            async with self._sessions() as s:
                await s.execute(select(sessions_table.c.key).limit(1))
            return True
        except Exception:
            return False

    async def start(self, now: datetime, *, lifetime: timedelta = ANONYMOUS_LIFETIME,
                    name: str | None = None, agency: str | None = None, roles: list[str] | None = None,
                    token: str | None = None) -> Session:
        """A new session with a fresh id and CSRF token (signing in always starts a new one)."""
        session = Session(session_id=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32),
                          expires_at=now + lifetime, name=name, agency=agency, roles=list(roles or []),
                          token=token)
        async with self._sessions() as s, s.begin():
            # Expired sessions are removed as new ones start: the table stays small without a job.
            await s.execute(delete(sessions_table).where(sessions_table.c.expires_at < now))
            await s.execute(insert(sessions_table).values(
                key=_key(session.session_id), csrf_token=session.csrf_token, name=name, agency=agency,
                roles=session.roles, token=token, flash=None, pending=None, created_at=now,
                expires_at=session.expires_at))
        return session

    async def get(self, session_id: str | None, now: datetime) -> Session | None:
        if not session_id:
            return None
        async with self._sessions() as s:
            row = (await s.execute(select(sessions_table).where(
                sessions_table.c.key == _key(session_id)))).mappings().first()
        if row is None or row["expires_at"] <= now:
            return None
        return Session(session_id=session_id, csrf_token=row["csrf_token"], expires_at=row["expires_at"],
                       name=row["name"], agency=row["agency"], roles=list(row["roles"] or []),
                       token=row["token"], flash=row["flash"], pending=row["pending"])

    async def set_flash(self, session_id: str, flash: dict[str, Any] | None) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(sessions_table).where(sessions_table.c.key == _key(session_id))
                            .values(flash=flash))

    async def set_pending(self, session_id: str, pending: dict[str, Any] | None) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(sessions_table).where(sessions_table.c.key == _key(session_id))
                            .values(pending=pending))

    async def end(self, session_id: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(delete(sessions_table).where(sessions_table.c.key == _key(session_id)))
