"""Calendar subscriptions: each person's own secret feed address, revocable.

Outlook and Google Calendar fetch a feed by its address alone and cannot send a bearer token, so a
person asks for an address of their own (with their token, once); the secret in it is shown to them
then and never again (only its digest is kept). The feed behind it shows what the person could see
with the token they had when they made it — one case's deadlines, or every deadline they may see —
and stops answering the moment it is revoked, by them or by the business unit (someone leaves, a
laptop is lost). A revoked or unknown address answers the same 404, so neither can be told apart.
Reads of a case's feed are recorded in the access log as the person who made the address.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import calendar_subscriptions
from .meetings import meetings_for
from .queries import calendar_rows, record_read
from .timekeeping import NotFound

# Roles that may manage every person's subscriptions (revoke when someone leaves).
MANAGERS = frozenset({"business_unit", "admin"})


class NotYours(Exception):
    """Someone tried to revoke another person's calendar address."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _out(row: Any) -> dict[str, Any]:
    return {"subscription_id": row["subscription_id"], "subject": row["subject"], "agency": row["agency"],
            "case_id": row["case_id"], "created_at": row["created_at"], "revoked_at": row["revoked_at"],
            "last_used_at": row["last_used_at"]}


async def subscribe(uow: UnitOfWork, person: Principal, *, case_id: str | None,
                    agency_scope: str | None) -> tuple[str, dict[str, Any]]:
    """A new secret address for ``person``; the secret is returned once, with the subscription."""
    secret = secrets.token_urlsafe(32)
    row = {"subscription_id": str(uuid.uuid4()), "secret_digest": digest(secret), "subject": person.subject,
           "agency": person.agency, "roles": " ".join(sorted(person.roles)), "case_id": case_id,
           "agency_scope": agency_scope, "created_at": uow.now(), "revoked_at": None, "last_used_at": None}
    async with uow:
        await uow.session.execute(calendar_subscriptions.insert().values(**row))
    return secret, _out(row)


async def mine(uow: UnitOfWork, person: Principal) -> list[dict[str, Any]]:
    query = select(calendar_subscriptions).order_by(calendar_subscriptions.c.created_at)
    if not person.has_any(MANAGERS):
        query = query.where(calendar_subscriptions.c.subject == person.subject)
    async with uow:
        return [_out(r) for r in (await uow.session.execute(query)).mappings()]


async def revoke(uow: UnitOfWork, person: Principal, subscription_id: str) -> None:
    async with uow:
        row = (await uow.session.execute(select(calendar_subscriptions).where(
            calendar_subscriptions.c.subscription_id == subscription_id))).mappings().first()
        if row is None:
            raise NotFound("no calendar address with that subscription_id")
        if row["subject"] != person.subject and not person.has_any(MANAGERS):
            raise NotYours("only its owner, the business unit or an admin may revoke a calendar address")
        if row["revoked_at"] is None:
            await uow.session.execute(update(calendar_subscriptions).where(
                calendar_subscriptions.c.subscription_id == subscription_id).values(revoked_at=uow.now()))


async def feed_rows(uow: UnitOfWork, secret: str) -> tuple[dict[str, Any], list[Any], list[dict[str, Any]]]:
    """The subscription a secret opens, its feed's deadlines and booked meetings; NotFound for an
    unknown or revoked one."""
    async with uow:
        row = (await uow.session.execute(select(calendar_subscriptions).where(
            calendar_subscriptions.c.secret_digest == digest(secret),
            calendar_subscriptions.c.revoked_at.is_(None)))).mappings().first()
        if row is None:
            raise NotFound("no calendar at this address (it may have been revoked)")
        owner = Principal(subject=row["subject"], agency=row["agency"], roles=frozenset(row["roles"].split()))
        if row["case_id"]:
            await record_read(uow, owner, "case calendar subscription", case_id=row["case_id"])
        rows = await calendar_rows(uow, case_id=row["case_id"], agency=row["agency_scope"])
        meetings = await meetings_for(uow, case_id=row["case_id"], agency=row["agency_scope"])
        now: datetime = uow.now()
        await uow.session.execute(update(calendar_subscriptions).where(
            calendar_subscriptions.c.subscription_id == row["subscription_id"]).values(last_used_at=now))
        return dict(row), rows, meetings
