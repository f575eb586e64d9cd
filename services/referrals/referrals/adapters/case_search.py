"""Finding cases by the partnership's case reference (the workspace's "find a case" page)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .orm import case_reads, cases

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


async def record_reads(session: AsyncSession, case_ids: list[str], *, subject: str, agency: str,
                       at: datetime) -> None:
    """Every case a search lists is a read of case-level data, recorded like any other."""
    if case_ids:
        await session.execute(insert(case_reads), [
            {"read_id": str(uuid.uuid4()), "case_id": case_id, "subject": subject, "agency": agency, "read_at": at}
            for case_id in case_ids])
