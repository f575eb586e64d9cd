"""What every use case shares: who may do what, and recording owed events."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.auth import Principal
from safeguard_shared.contracts.envelope import Envelope, Event
from safeguard_shared.service import ServiceRuntime

from ..domain.errors import Forbidden

QA_ROLES = ("qa_lead", "business_unit")
AGENCY_ROLES = ("referrer", "safeguarding_lead")


def is_qa(principal: Principal) -> bool:
    return principal.has_any(QA_ROLES + ("admin",))


def require_qa(principal: Principal) -> None:
    if not is_qa(principal):
        raise Forbidden(f"this needs one of the roles: {', '.join(QA_ROLES)}")


def require_agency_or_qa(principal: Principal, agency: str | None = None) -> None:
    """The QA sub-group, or staff of ``agency`` (any agency when None) in an agency role."""
    if is_qa(principal):
        return
    if not principal.has_any(AGENCY_ROLES):
        raise Forbidden(f"this needs one of the roles: {', '.join(QA_ROLES + AGENCY_ROLES)}")
    if agency is not None and principal.agency != agency:
        raise Forbidden("an agency acts only for itself")


async def owe(runtime: ServiceRuntime, session: AsyncSession, events: Iterable[Event],
              env: Envelope | None = None) -> None:
    now = runtime.clock.now()
    for event in events:
        await runtime.outbox.add(session, event, occurred_at=now,
                                 correlation_id=env.correlation_id if env else None,
                                 causation_id=env.event_id if env else None)
