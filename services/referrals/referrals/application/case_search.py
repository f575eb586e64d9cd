"""Finding cases by the partnership's case reference (the workspace's "find a case" page).

Never more than the access table lets be seen (``domain/access.py``, ``finds``): any case for the
business unit, the chair and admins; its own agency's referrals for an agency's referrers, safeguarding
lead and panel members. Every case a search lists is a read of case-level data, recorded.
"""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from safeguard_shared import access_log
from safeguard_shared.access_log import Read
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.case_search import cases_matching
from ..domain.access import finds
from .errors import NotAllowed


class CaseFound(BaseModel):
    case_id: str
    case_ref: str
    pathway: str
    status: str
    referring_agency: str
    received_on: date


async def find_cases(q: str, reader: Principal, uow: UnitOfWork) -> list[CaseFound]:
    scope = finds(reader)
    if scope is None:
        raise NotAllowed("finding cases is for the business unit, the independent chair, and an agency's "
                         "referrers, safeguarding lead and panel members (their own referrals)")
    agency = None if scope == "any" else reader.agency
    async with uow:
        found = await cases_matching(uow.session, q.strip(), agency=agency)
        await access_log.record(uow, reader, *(Read("case search", case_id=c["case_id"]) for c in found))
    return [CaseFound(**c) for c in found]
