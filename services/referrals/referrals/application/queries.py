"""The read side: a case, its history, the rapid review's document pack and the CSPR's drafts.

Who may read what depends on the case (the referring agency, the meeting's attendees), so the check
is made here, with the case in hand. Every read of a case is recorded in the access log
(``safeguard_shared.access_log``) in the same unit of work that reads it.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer

from safeguard_shared import access_log
from safeguard_shared.access_log import Read
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import repository
from ..domain.child_case import ChildCase, Draft, ScopingReturn
from .errors import CaseNotFound, NotAllowed

CASE_DETAIL_ROLES = {"business_unit", "panel_member", "independent_chair", "admin"}
DRAFT_ROLES = {"business_unit", "reviewer", "panel_member", "independent_chair", "admin"}
PACK_ROLES = {"business_unit", "independent_chair", "admin"}
ATTENDEE_ROLES = {"panel_member", "referrer", "safeguarding_lead"}

# An instant as the API has always written it: ISO 8601 with the offset (``+00:00``).
Instant = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]


class CaseView(BaseModel):
    """A case's progress; ``referral`` (the identifying details) only for case-detail roles."""

    case_id: str
    case_ref: str
    pathway: str
    status: str
    referring_agency: str
    received_on: date
    became_aware_on: date | None
    serious_incident: bool
    rapid_review: bool
    referral: dict[str, Any] | None = None


class HistoryEntry(BaseModel):
    at: Instant
    actor: str
    agency: str
    action: str
    detail: dict[str, Any]


class LocalAuthorityNotification(BaseModel):
    became_aware_on: date
    rapid_review: bool


class DocumentPack(BaseModel):
    case_ref: str
    referral: dict[str, Any]
    local_authority_notification: LocalAuthorityNotification
    scoping_returns: dict[str, ScopingReturn]
    meeting_on: date | None


async def _record_read(uow: UnitOfWork, reader: Principal, case_id: str, operation: str) -> None:
    await access_log.record(uow, reader, Read(operation, case_id=case_id))


async def read_case(case_id: str, reader: Principal, uow: UnitOfWork) -> CaseView:
    """Case detail for the business unit, panels and chairs; the referring agency's own staff see the
    referral's progress without the detail. Every read is recorded, with which of the two it was."""
    async with uow:
        row = await repository.case_row(uow.session, case_id)
        if row is None:
            raise CaseNotFound("no case with that case_id")
        full = reader.has_any(CASE_DETAIL_ROLES)
        if not full and not (reader.has_any({"referrer", "safeguarding_lead"})
                             and reader.agency == row["referring_agency"]):
            raise NotAllowed("case detail is for the business unit, panel members and the independent chair; "
                             "agencies see only their own referrals")
        view = CaseView.model_validate({k: row[k] for k in CaseView.model_fields if k != "referral"})
        await _record_read(uow, reader, case_id, "case detail" if full else "case progress")
        if full:
            view.referral = row["referral"]
    return view


async def case_history(case_id: str, reader: Principal, uow: UnitOfWork) -> list[HistoryEntry]:
    """Who did what and when on this case."""
    async with uow:
        row = await repository.case_row(uow.session, case_id)
        if row is None:
            raise CaseNotFound("no case with that case_id")
        if not reader.has_any(CASE_DETAIL_ROLES) and reader.agency != row["referring_agency"]:
            raise NotAllowed("the case history is for the business unit, panels, chairs and the referring agency")
        await _record_read(uow, reader, case_id, "case history")
        return [HistoryEntry.model_validate(dict(r)) for r in await repository.history(uow.session, case_id)]


async def _child_case(uow: UnitOfWork, case_id: str) -> tuple[ChildCase, dict[str, Any]]:
    row = await repository.case_row(uow.session, case_id)
    if row is None or row["pathway"] != "child":
        raise CaseNotFound("no case with that case_id")
    return ChildCase.from_state(row["state"]), row["referral"]


async def document_pack(case_id: str, reader: Principal, uow: UnitOfWork) -> DocumentPack:
    """The rapid review document pack (referral, local authority notification, scoping returns):
    open to the meeting's attendees, the business unit and the chair only."""
    async with uow:
        case, referral = await _child_case(uow, case_id)
        attending = {a.agency for a in case.attendance}
        if not (reader.has_any(PACK_ROLES) or (reader.agency in attending and reader.has_any(ATTENDEE_ROLES))):
            raise NotAllowed("the document pack is open to the meeting's attendees only")
        await _record_read(uow, reader, case_id, "document pack")
    return DocumentPack(case_ref=case.case_ref, referral=referral, scoping_returns=case.scoping_returns,
                        local_authority_notification=LocalAuthorityNotification(
                            became_aware_on=case.became_aware_on, rapid_review=case.rapid_review),
                        meeting_on=case.meeting_on)


async def cspr_drafts(case_id: str, reader: Principal, uow: UnitOfWork) -> list[Draft]:
    """Drafts, each marked 'unpublished draft — strictly confidential': never for practitioners or the public."""
    if not reader.has_any(DRAFT_ROLES):
        raise NotAllowed("drafts are for the business unit, the reviewers and the panel")
    async with uow:
        case, _ = await _child_case(uow, case_id)
        await _record_read(uow, reader, case_id, "CSPR drafts")
    return case.cspr.drafts
