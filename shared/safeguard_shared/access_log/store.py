"""The access log in a service's own store: its table, its migration, appending reads, reading them
back and checking the chain.

Appends are serialised (``one_writer_at_a_time``): each reads the last row and writes the next under
a lock held to its commit, so two replicas on one PostgreSQL store, or two requests on one SQLite
file, keep one chain. The time recorded is the real time (the wall clock), never the business date a
service may be running at (``--today``): an inquiry needs to know when someone really looked.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, Index, Integer, MetaData, Select, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from ..db import one_writer_at_a_time
from ..db.types import UTCDateTime
from ..partnership import Principal
from ..unit_of_work import UnitOfWork
from .chain import GENESIS, ChainCheck, Verdict, chained

if TYPE_CHECKING:  # Alembic is loaded only to migrate (db/migrate.py)
    from alembic.operations import Operations

TABLE = "access_log"
# The lock of ``one_writer_at_a_time`` the appends share (one access log per store).
_APPEND_LOCK = 1

_LENGTHS = {"subject": 200, "agency": 60, "roles": 300, "operation": 80, "endpoint": 200}


def _columns() -> list[Column[Any]]:
    return [
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("read_at", UTCDateTime(), nullable=False),
        Column("subject", String(_LENGTHS["subject"]), nullable=False),
        Column("agency", String(_LENGTHS["agency"]), nullable=False),
        Column("roles", String(_LENGTHS["roles"]), nullable=False),  # the token's roles, space-separated
        Column("operation", String(_LENGTHS["operation"]), nullable=False),  # in words: "case history"
        Column("endpoint", String(_LENGTHS["endpoint"]), nullable=False),  # "GET /v1/cases/<case_id>/history"
        Column("case_id", String(36), nullable=True),
        Column("audit_id", String(36), nullable=True),
        Column("prev_hash", String(64), nullable=False),
        Column("row_hash", String(64), nullable=False),
    ]


access_log = Table(TABLE, MetaData(), *_columns())
Index("ix_access_log_case", access_log.c.case_id)
Index("ix_access_log_audit", access_log.c.audit_id)
Index("ix_access_log_subject", access_log.c.subject)


def add_access_log_table(metadata: MetaData) -> Table:
    """The access log among a service's own tables (its ``orm.py``)."""
    return access_log.to_metadata(metadata)


def access_log_migration_ops(op: Operations | ModuleType) -> None:
    """The migration that gives a service its access log creates the table with this helper."""
    op.create_table(TABLE, *_columns())
    op.create_index("ix_access_log_case", TABLE, ["case_id"])
    op.create_index("ix_access_log_audit", TABLE, ["audit_id"])
    op.create_index("ix_access_log_subject", TABLE, ["subject"])


# --- what is read, by whom, through which endpoint -----------------------------------------------------
@dataclass(frozen=True)
class Read:
    """One read of case-level data: what it was, in words, and the case or audit it was of."""

    operation: str
    case_id: str | None = None
    audit_id: str | None = None


_request: ContextVar[Scope | None] = ContextVar("access_log_request", default=None)


class RememberEndpoint:
    """ASGI middleware: keeps the request being answered, so a read recorded while answering it
    names its endpoint (method and path) without every route passing it down."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _request.set(scope if scope["type"] == "http" else None)
        try:
            await self.app(scope, receive, send)
        finally:
            _request.reset(token)


def _endpoint() -> str:
    scope = _request.get()
    if scope is None:
        return ""
    # The path as asked, with its ids (which message, which deadline); never the query string, where
    # a search's words could be.
    return f"{scope['method']} {scope['path']}"


def _entry(reader: Principal, read: Read, at: datetime, endpoint: str) -> dict[str, Any]:
    text = {"subject": reader.subject, "agency": reader.agency, "roles": " ".join(sorted(reader.roles)),
            "operation": read.operation, "endpoint": endpoint}
    return {**{k: v[:_LENGTHS[k]] for k, v in text.items()}, "read_at": at, "case_id": read.case_id,
            "audit_id": read.audit_id}


async def record(uow: UnitOfWork, reader: Principal, *reads: Read) -> None:
    """Append ``reads`` by ``reader`` to the log, in the unit of work that reads the data (a read
    that fails leaves no row; a row is never left without its read)."""
    if not reads:
        return
    session = uow.session
    await one_writer_at_a_time(session, _APPEND_LOCK)
    last = (await session.execute(select(access_log.c.seq, access_log.c.row_hash)
                                  .order_by(access_log.c.seq.desc()).limit(1))).first()
    at, endpoint = datetime.now(UTC), _endpoint()  # the wall clock, not uow.clock
    rows = chained([_entry(reader, read, at, endpoint) for read in reads],
                   after_seq=last.seq if last else 0, after_hash=last.row_hash if last else GENESIS)
    await session.execute(insert(access_log), rows)


def carry_over(connection: Connection, entries: Sequence[dict[str, Any]]) -> None:
    """In a migration: the reads an older table recorded, as the first rows of the new log (each
    entry: read_at, subject, agency, roles, operation, endpoint, case_id, audit_id)."""
    if entries:
        connection.execute(insert(access_log), chained(list(entries), after_seq=0, after_hash=GENESIS))


# --- reading it back -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    case_id: str | None = None
    audit_id: str | None = None
    subject: str | None = None
    since: datetime | None = None
    before: datetime | None = None
    after_seq: int = 0


def _query(filters: Filters) -> Select[Any]:
    t = access_log
    query = select(t).where(t.c.seq > filters.after_seq).order_by(t.c.seq)
    for column, value in ((t.c.case_id, filters.case_id), (t.c.audit_id, filters.audit_id),
                          (t.c.subject, filters.subject)):
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(t.c.read_at >= filters.since)
    if filters.before is not None:
        query = query.where(t.c.read_at < filters.before)
    return query


async def entries(session: AsyncSession, filters: Filters, *, limit: int) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(_query(filters).limit(limit))).mappings().all()]


async def every_entry(session: AsyncSession, filters: Filters) -> AsyncIterator[dict[str, Any]]:
    """Every matching row, in order, streamed (an export may be long)."""
    async for row in (await session.stream(_query(filters).execution_options(yield_per=500))).mappings():
        yield dict(row)


async def verify(session: AsyncSession) -> Verdict:
    """Check the whole chain, row by row in order."""
    check = ChainCheck()
    async for row in every_entry(session, Filters()):
        check.add(row)
    return check.verdict
