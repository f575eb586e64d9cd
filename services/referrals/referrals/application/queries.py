"""The read side: a case, its history, the rapid review's document pack and the CSPR's drafts.

Who may read what depends on the case (``domain/access.py``: the referring and involved agencies, the
reviewers commissioned on it, the panel), so the check is made here, with the case in hand. Every read
of a case, its history, pack or drafts is recorded in the access log (``safeguard_shared.access_log``)
in the same unit of work that reads it.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer

from safeguard_shared import access_log
from safeguard_shared.access_log import Read
from safeguard_shared.contracts.referrals import FamilyContact
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import repository
from ..domain.access import authorise, may, parties, progress_detail
from ..domain.child_case import ChildCase, Draft, ScopingReturn
from ..domain.sar_case import SarCase
from .errors import CaseNotFound

# An instant as the API has always written it: ISO 8601 with the offset (``+00:00``).
Instant = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]


class RapidReviewMeeting(BaseModel):
    """The rapid review meeting as booked when scoping was requested: what an agency needs to attend
    (progress, not detail: the place is a room or an online link, never a name — README)."""

    meeting_on: date
    meeting_time: time | None  # its start (Europe/London), None until booked
    meeting_place: str | None  # a room and building, or the online link (https)
    online: bool
    window: tuple[date, date] | None  # the window the clock counted for it
    complete_by: date | None  # the date by which the rapid review should be complete (rr.complete)
    warnings: list[str]  # in plain words: a meeting after complete_by


class CaseView(BaseModel):
    """A case's progress; ``referral`` (the identifying details) only for those who may see its detail."""

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
    # The children's pathway: the rapid review meeting once scoping is requested with it.
    meeting: RapidReviewMeeting | None = None


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


async def _case(uow: UnitOfWork, case_id: str) -> tuple[Mapping[Any, Any], ChildCase | SarCase]:
    row = await repository.case_row(uow.session, case_id)
    if row is None:
        raise CaseNotFound("no case with that case_id")
    case = ChildCase.from_state(row["state"]) if row["pathway"] == "child" else SarCase.from_state(row["state"])
    return row, case


async def _child_case(uow: UnitOfWork, case_id: str) -> tuple[Mapping[Any, Any], ChildCase]:
    row, case = await _case(uow, case_id)
    if not isinstance(case, ChildCase):
        raise CaseNotFound("no case of the children's pathway with that case_id")
    return row, case


async def read_case(case_id: str, reader: Principal, uow: UnitOfWork) -> CaseView:
    """The case's progress for whoever the access table lets see it; the referral's identifying details
    only for those who may see its detail. Every read recorded."""
    async with uow:
        row, case = await _case(uow, case_id)
        authorise(reader, case, "see_progress")
        view = CaseView.model_validate({k: row[k] for k in CaseView.model_fields if k not in ("referral", "meeting")})
        meeting = meeting_of(case) if isinstance(case, ChildCase) else None
        if meeting is not None:
            view.meeting = meeting
        full = may(reader, parties(case), "see_detail")
        if full:
            view.referral = row["referral"]
        await _record_read(uow, reader, case_id, "case detail" if full else "case progress")
    return view


def meeting_of(case: ChildCase) -> RapidReviewMeeting | None:
    if case.meeting_on is None:
        return None
    place = case.meeting_place
    return RapidReviewMeeting(meeting_on=case.meeting_on, meeting_time=case.meeting_time, meeting_place=place,
                              online=bool(place and place.lower().startswith("https://")),
                              window=case.meeting_window, complete_by=case.complete_by,
                              warnings=list(case.scoping_warnings))


async def case_history(case_id: str, reader: Principal, uow: UnitOfWork) -> list[HistoryEntry]:
    """Who did what and when on this case; its free text only for those who may see the case's detail.
    Every read recorded, as a read of the case is."""
    async with uow:
        _, case = await _case(uow, case_id)
        authorise(reader, case, "see_progress")
        whole = may(reader, parties(case), "see_detail")
        entries = [HistoryEntry.model_validate(dict(r)) for r in await repository.history(uow.session, case_id)]
        if not whole:
            for entry in entries:
                entry.detail = progress_detail(entry.detail)
        await _record_read(uow, reader, case_id, "case history")
    return entries


async def document_pack(case_id: str, reader: Principal, uow: UnitOfWork) -> DocumentPack:
    """The rapid review document pack (referral, local authority notification, scoping returns):
    for the review's panel, the agencies' safeguarding leads, the business unit and the chair."""
    async with uow:
        row, case = await _child_case(uow, case_id)
        authorise(reader, case, "see_pack")
        await _record_read(uow, reader, case_id, "document pack")
    return DocumentPack(case_ref=case.case_ref, referral=row["referral"], scoping_returns=case.scoping_returns,
                        local_authority_notification=LocalAuthorityNotification(
                            became_aware_on=case.became_aware_on, rapid_review=case.rapid_review),
                        meeting_on=case.meeting_on)


async def cspr_drafts(case_id: str, reader: Principal, uow: UnitOfWork) -> list[Draft]:
    """Drafts, each marked 'unpublished draft — strictly confidential': for the review's panel, its
    commissioned reviewers, the chair and the business unit; never for practitioners or the public."""
    async with uow:
        _, case = await _child_case(uow, case_id)
        authorise(reader, case, "see_drafts")
        await _record_read(uow, reader, case_id, "CSPR drafts")
    return case.cspr.drafts


class Attended(BaseModel):
    """One person at the rapid review meeting, by agency and role (the name stays here)."""

    agency: str
    role: str


class RapidReviewTemplate(BaseModel):
    """The completed rapid review template, for the notifications service to send to the Panel: the
    decision and its rationale, the immediate safety actions, the learning, the agencies and who came."""

    case_ref: str
    decision: str
    decided_on: date
    rationale: str
    safety_actions: list[str]
    learning: list[str]
    agencies: list[str]
    attended: list[Attended]


async def rapid_review_template(case_id: str, caller: Principal, uow: UnitOfWork) -> RapidReviewTemplate:
    """The decided rapid review's template, read by ``caller`` (the notifications service, at each
    attempt to send it), recorded as a read of the case."""
    async with uow:
        row, case = await _child_case(uow, case_id)
        if case.decision is None:
            raise CaseNotFound("no rapid review decided on this case")
        decision = case.decision
        template = RapidReviewTemplate(
            case_ref=row["case_ref"], decision=decision.decision, decided_on=decision.decided_on,
            rationale=decision.rationale, safety_actions=list(decision.safety_actions),
            learning=list(decision.learning), agencies=list(case.involved_agencies),
            attended=[Attended(agency=a.agency, role=a.role) for a in case.attendance])
        await _record_read(uow, caller, case_id, "completed rapid review template, to send to the Panel")
    return template


class FamilyLetterContent(BaseModel):
    """A letter owed to the adult, the family or the advocate, for the notifications service to write
    and send: its recipient and the business unit's words it carries (a delay update's)."""

    case_ref: str
    letter_no: int
    letter: str
    owed_on: date
    recipient: FamilyContact  # as the business unit recorded them when the letter was owed
    update: str | None = None


async def family_letter(case_id: str, letter_no: int, caller: Principal, uow: UnitOfWork) -> FamilyLetterContent:
    """The case's letter ``letter_no``, read by ``caller`` (the notifications service, at each attempt to
    send it), recorded as a read of the case."""
    async with uow:
        row, case = await _case(uow, case_id)
        owed = case.family_letter(letter_no) if isinstance(case, SarCase) else None
        if owed is None:
            raise CaseNotFound("no such letter owed on this case")
        content = FamilyLetterContent(
            case_ref=row["case_ref"], letter_no=owed.letter_no, letter=owed.letter, owed_on=owed.owed_on,
            recipient=owed.recipient, update=owed.update)
        await _record_read(uow, caller, case_id, f"letter {letter_no} to the family, to send it")
    return content
