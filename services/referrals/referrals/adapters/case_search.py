"""Finding cases by the partnership's case reference (the workspace's "find a case" page)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .orm import cases

LISTED = ("case_id", "case_ref", "pathway", "status", "referring_agency", "received_on")
MOST = 50


async def cases_matching(session: AsyncSession, q: str, *, agency: str | None,
                         limit: int = MOST) -> list[dict[str, Any]]:
    """Cases whose reference contains ``q`` (any case), newest first; only ``agency``'s own referrals
    when an agency is given. LIKE's wildcards in ``q`` are taken literally."""
    pattern = "%" + q.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (select(*(cases.c[name] for name in LISTED))
             .where(func.upper(cases.c.case_ref).like(pattern, escape="\\"))
             .order_by(cases.c.received_on.desc(), cases.c.case_ref).limit(limit))
    if agency is not None:
        query = query.where(cases.c.referring_agency == agency)
    return [dict(row) for row in (await session.execute(query)).mappings().all()]
