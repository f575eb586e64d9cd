"""Finding cases by the partnership's case reference (the workspace's "find a case" page).

Any case for the business unit, panels and chairs; only its own agency's referrals for an agency's
referrers and safeguarding lead. Every case a search lists is a read of case-level data, recorded.
"""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from safeguard_shared import access_log
from safeguard_shared.access_log import Read
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.case_search import cases_matching
from .errors import NotAllowed
from .queries import CASE_DETAIL_ROLES

OWN_AGENCY_ROLES = {"referrer", "safeguarding_lead"}


class CaseFound(BaseModel):
    case_id: str
    case_ref: str
    pathway: str
    status: str
    referring_agency: str
    received_on: date


async def find_cases(q: str, reader: Principal, uow: UnitOfWork) -> list[CaseFound]:
    if reader.has_any(CASE_DETAIL_ROLES):
        agency = None
    elif reader.has_any(OWN_AGENCY_ROLES):
        agency = reader.agency
    else:
        raise NotAllowed("finding cases is for the business unit, panel members, the independent chair, and "
                         "an agency's referrers and safeguarding lead (their own referrals)")
    async with uow:
        found = await cases_matching(uow.session, q.strip(), agency=agency)
        await access_log.record(uow, reader, *(Read("case search", case_id=c["case_id"]) for c in found))
    return [CaseFound(**c) for c in found]
