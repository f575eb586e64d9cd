"""The message log's SQL: a message stored once, claimed by one dispatcher, and how each attempt ended.

Every state change is a conditional UPDATE that succeeds only from the state that was read (and, for
a result, only under the claim's token), so two dispatchers never both claim or both record one
message; on PostgreSQL the reads also lock with ``FOR UPDATE SKIP LOCKED`` so replicas share the work.

The statements every message goes through are made once, here, with their values as bound
parameters: building a statement and its cache key costs SQLAlchemy about as much again as running
it, and each message is queued, claimed and recorded in about ten of them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.db import insert_if_new

from ..domain.delivery import CLAIMABLE, IN_DOUBT, SENDING
from .orm import attachments, attempts, notifications

Row = dict[str, Any]
n = notifications


def _postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _skip_locked(session: AsyncSession, query: Select[Any]) -> Select[Any]:
    # Replicas share the table: each row is taken by one dispatcher at a time, never skipped.
    return query.with_for_update(skip_locked=True) if _postgres(session) else query


# --- queueing -------------------------------------------------------------------------------------

_QUEUED_UNDER = select(n.c.notification_id).where(n.c.idempotency_key == bindparam("key"))
_ADD_ATTACHMENT = insert(attachments)


async def already_queued(session: AsyncSession, idempotency_key: str) -> bool:
    return (await session.execute(_QUEUED_UNDER, {"key": idempotency_key})).first() is not None


async def add_message(session: AsyncSession, row: Row, documents: list[tuple[str, str, bytes]]) -> bool:
    """Store a message and its PDFs unless its idempotency key is taken (then nothing, and False)."""
    # The values as parameters: SQLAlchemy's cache then finds the statement compiled.
    inserted = (await session.execute(insert_if_new(session, n, ["idempotency_key"], returning=["notification_id"]),
                                      row)).first()
    if inserted is None:
        return False
    for filename, kind, content in documents:
        await session.execute(_ADD_ATTACHMENT, dict(
            notification_id=row["notification_id"], filename=filename, kind=kind,
            content_type="text/plain" if kind == TO_RENDER else _content_type(filename),
            content=content))
    return True


# --- dispatching ----------------------------------------------------------------------------------

async def mark_lapsed_claims_in_doubt(session: AsyncSession, now: datetime, *, claimed_before: datetime | None,
                                      claimed_by: str | None = None) -> list[str]:
    """Each message left ``sending`` (claimed before ``claimed_before`` or by the replica ``claimed_by``;
    any when ``claimed_before`` is None) is marked ``in_doubt`` and its open attempt closed as such;
    their ids."""
    condition: ColumnElement[bool] = n.c.status == SENDING
    if claimed_before is not None:
        lapsed: ColumnElement[bool] = n.c.sending_at < claimed_before
        condition = and_(condition, or_(lapsed, n.c.claimed_by == claimed_by) if claimed_by else lapsed)
    query = select(n.c.notification_id, n.c.claim_token, n.c.attempts).where(condition)
    marked = []
    for row in (await session.execute(_skip_locked(session, query))).all():
        done = await session.execute(update(n).where(
            n.c.notification_id == row.notification_id, n.c.status == SENDING,
            n.c.claim_token == row.claim_token).values(
            status=IN_DOUBT, in_doubt_at=now, next_attempt_at=now, claim_token=None))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            continue
        await session.execute(update(attempts).where(
            attempts.c.notification_id == row.notification_id, attempts.c.attempt == row.attempts).values(
            ended_at=now, outcome=IN_DOUBT, detail="the dispatcher stopped before recording the result"))
        marked.append(row.notification_id)
    return marked


# With whether it carries documents: most messages carry none, and then their query is not run.
_HAS_DOCUMENTS = "has_documents"
_NEXT_DUE = select(n, exists().where(attachments.c.notification_id == n.c.notification_id).label(_HAS_DOCUMENTS)).where(
    n.c.status.in_(CLAIMABLE), n.c.next_attempt_at <= bindparam("now")).order_by(
    n.c.next_attempt_at, n.c.queued_at).limit(1)
_NEXT_DUE_LOCKED = _NEXT_DUE.with_for_update(skip_locked=True)
# (An UPDATE's own parameters may not be named after its columns: hence the "b_" names.)
_CLAIM = update(n).where(n.c.notification_id == bindparam("b_id"), n.c.status == bindparam("b_status"),
                         n.c.attempts == bindparam("b_attempts")).values(
    status=SENDING, claim_token=bindparam("b_token"), sending_at=bindparam("b_now"),
    claimed_by=bindparam("b_replica"), attempts=bindparam("b_attempt"), channel=bindparam("b_channel"))
_OPEN_ATTEMPT = insert(attempts)
_ATTACHMENTS_OF = select(attachments).where(attachments.c.notification_id == bindparam("id")).order_by(
    attachments.c.filename)
# The message's new state: the columns given with the call (sent_at, next_attempt_at, last_error …).
_RECORD = update(n).where(n.c.notification_id == bindparam("b_id"), n.c.claim_token == bindparam("b_token"),
                          n.c.status == SENDING)
_CLOSE_ATTEMPT = update(attempts).where(attempts.c.notification_id == bindparam("b_id"),
                                        attempts.c.attempt == bindparam("b_attempt"))


async def claim_next(session: AsyncSession, now: datetime, token: str, channel: str,
                     replica: str | None = None) -> tuple[Row, list[Row], int] | None:
    """The next message due, marked ``sending`` under ``token`` by ``replica`` with its attempt opened; with its
    attachments and the attempt's number. None when nothing is due or another dispatcher got it first."""
    query = _NEXT_DUE_LOCKED if _postgres(session) else _NEXT_DUE
    row = (await session.execute(query, {"now": now})).mappings().first()
    if row is None:
        return None
    attempt = row["attempts"] + 1
    claimed = await session.execute(_CLAIM, dict(
        b_id=row["notification_id"], b_status=row["status"], b_attempts=row["attempts"], b_token=token, b_now=now,
        b_replica=replica, b_attempt=attempt, b_channel=channel))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another dispatcher (same SQLite file) got there first; next round
    await session.execute(_OPEN_ATTEMPT, dict(
        notification_id=row["notification_id"], attempt=attempt, channel=channel, started_at=now))
    message = {key: value for key, value in row.items() if key != _HAS_DOCUMENTS}
    if not row[_HAS_DOCUMENTS]:
        return message, [], attempt
    docs = (await session.execute(_ATTACHMENTS_OF, {"id": row["notification_id"]})).mappings().all()
    return message, [dict(d) for d in docs], attempt


async def record_attempt(session: AsyncSession, notification_id: str, token: str, attempt: int, now: datetime, *,
                         status: str, outcome: str, code: int | None = None, detail: str | None = None,
                         **message: Any) -> bool:
    """The attempt's end and the message's new state, only under our claim; False if the claim lapsed
    and another dispatcher took the message over (it records, not us)."""
    done = await session.execute(_RECORD, dict(b_id=notification_id, b_token=token, status=status, claim_token=None,
                                               **message))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(_CLOSE_ATTEMPT, dict(b_id=notification_id, b_attempt=attempt, ended_at=now,
                                               outcome=outcome, code=code, detail=detail))
    return True



# A document kept as its text with markers, made a PDF at each attempt (the rapid review template).
TO_RENDER = "to_render"


def _content_type(filename: str) -> str:
    """A calendar invitation (``.ics``) or a PDF: the only documents a message carries."""
    return "text/calendar" if filename.endswith(".ics") else "application/pdf"
