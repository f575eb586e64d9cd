"""The cases store: a case's row and its aggregate, and its history (who read it: the access log).

Each function works inside the caller's transaction (a unit of work's session); none commits.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.db import select_for_update

from .orm import case_documents, case_history, cases, idempotency_keys, referral_fingerprints

# The statements of every referral and every step are made once, with their values as parameters, not
# made per call with the values in them: SQLAlchemy then finds each compiled in its cache without
# building it and working out its key again (about as long as running it).
_ADD_CASE, _ADD_HISTORY = insert(cases), insert(case_history)
_REMEMBER_ANSWER, _ADD_FINGERPRINT = insert(idempotency_keys), insert(referral_fingerprints)
_CASE = select(cases).where(cases.c.case_id == bindparam("case_id"))
# A case's pathway and aggregate only: the events that change its state need neither the referral as
# submitted nor the rest of the row (a JSON column is decoded whenever it is read).
_CASE_STATE = select(cases.c.pathway, cases.c.state).where(cases.c.case_id == bindparam("case_id"))
_CASE_WITH_REF = select(cases.c.case_id).where(cases.c.case_ref == bindparam("case_ref"))
# The columns to change are the parameters given with the call (an UPDATE's own are named "b_").
_UPDATE_CASE = update(cases).where(cases.c.case_id == bindparam("b_case_id"))
_ANSWER = select(idempotency_keys).where(idempotency_keys.c.agency == bindparam("agency"),
                                         idempotency_keys.c.key == bindparam("key"))
_FINGERPRINT = select(referral_fingerprints).where(referral_fingerprints.c.fingerprint == bindparam("value"))
_NO_KEY = select(idempotency_keys.c.key).where(idempotency_keys.c.key == "")


async def case_row(session: AsyncSession, case_id: str, *, for_update: bool = False) -> RowMapping | None:
    if for_update:  # two steps on one case queue up instead of overwriting each other
        return (await select_for_update(session, _CASE, {"case_id": case_id})).mappings().first()
    return (await session.execute(_CASE, {"case_id": case_id})).mappings().first()


async def case_state(session: AsyncSession, case_id: str) -> RowMapping | None:
    """The case's pathway and aggregate state, locked until this transaction ends, as ``case_row``'s."""
    return (await select_for_update(session, _CASE_STATE, {"case_id": case_id})).mappings().first()


async def case_ref_taken(session: AsyncSession, case_ref: str) -> bool:
    return (await session.execute(_CASE_WITH_REF, {"case_ref": case_ref})).first() is not None


async def add_case(session: AsyncSession, **values: Any) -> None:
    await session.execute(_ADD_CASE, values)


async def update_case(session: AsyncSession, case_id: str, **values: Any) -> None:
    await session.execute(_UPDATE_CASE, {"b_case_id": case_id, **values})


async def add_history(session: AsyncSession, *, case_id: str, at: datetime, actor: str, agency: str, action: str,
                      detail: Mapping[str, Any]) -> None:
    await session.execute(_ADD_HISTORY, dict(case_id=case_id, at=at, actor=actor, agency=agency, action=action,
                                             detail=dict(detail)))


async def history(session: AsyncSession, case_id: str) -> list[RowMapping]:
    query = select(case_history).where(case_history.c.case_id == case_id).order_by(case_history.c.id)
    return list((await session.execute(query)).mappings().all())


async def one_at_a_time(session: AsyncSession, *names: str) -> None:
    """Requests naming the same things wait for each other until this transaction ends: PostgreSQL
    advisory locks on the names; SQLite's store-wide write lock (taken by ``select_for_update``)."""
    if session.get_bind().dialect.name != "postgresql":
        await select_for_update(session, _NO_KEY)
        return
    for name in sorted(set(names)):
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


async def idempotent_answer(session: AsyncSession, agency: str, key: str) -> RowMapping | None:
    return (await session.execute(_ANSWER, {"agency": agency, "key": key})).mappings().first()


async def remember_answer(session: AsyncSession, **values: Any) -> None:
    await session.execute(_REMEMBER_ANSWER, values)


async def fingerprint(session: AsyncSession, value: str) -> RowMapping | None:
    return (await session.execute(_FINGERPRINT, {"value": value})).mappings().first()


async def add_fingerprint(session: AsyncSession, *, value: str, case_id: str, response: Mapping[str, Any]) -> None:
    await session.execute(_ADD_FINGERPRINT, dict(fingerprint=value, case_id=case_id, response=dict(response)))


async def add_document(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(case_documents).values(**values))


async def documents(session: AsyncSession, case_id: str) -> list[RowMapping]:
    query = select(case_documents).where(case_documents.c.case_id == case_id).order_by(case_documents.c.added_at,
                                                                                        case_documents.c.document_id)
    return list((await session.execute(query)).mappings().all())


async def document(session: AsyncSession, case_id: str, document_id: str) -> RowMapping | None:
    query = select(case_documents).where(case_documents.c.case_id == case_id,
                                         case_documents.c.document_id == document_id)
    return (await session.execute(query)).mappings().first()
