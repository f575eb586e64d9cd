"""The rapid review meeting as booked, kept so the calendar feeds show it as itself (issue 13): on its
day, at its time, titled with the case reference, and with the same UID as the invitation each agency
received, so a calendar program that has both shows one event. A re-booking replaces it; an older
booking arriving late (a redelivery) never replaces a newer one."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from safeguard_shared.contracts.referrals import MeetingRebooked, ScopingRequested
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.orm import booked_meetings
from .timekeeping import Timekeeping


async def when_a_meeting_is_booked_keep_it(event: ScopingRequested | MeetingRebooked, uow: UnitOfWork,
                                           tk: Timekeeping) -> None:
    booking = event.booking if isinstance(event, MeetingRebooked) else 0
    values: dict[str, Any] = {
        "case_ref": event.case_ref, "agencies": sorted(event.agencies), "meeting_on": event.meeting_on,
        "meeting_time": event.meeting_time.strftime("%H:%M") if event.meeting_time else None,
        "booking": booking, "updated_at": uow.now()}
    kept = (await uow.session.execute(select(booked_meetings.c.booking).where(
        booked_meetings.c.case_id == event.case_id))).scalar_one_or_none()
    if kept is None:
        await uow.session.execute(booked_meetings.insert().values(case_id=event.case_id, **values))
    elif booking > kept:
        await uow.session.execute(update(booked_meetings).where(
            booked_meetings.c.case_id == event.case_id).values(**values))


async def meetings_for(uow: UnitOfWork, *, case_id: str | None = None,
                       agency: str | None = None) -> list[dict[str, Any]]:
    """The booked meetings a feed shows: one case's, and only to an agency invited to it."""
    query = select(booked_meetings).order_by(booked_meetings.c.meeting_on)
    if case_id:
        query = query.where(booked_meetings.c.case_id == case_id)
    rows = [dict(r) for r in (await uow.session.execute(query)).mappings()]
    return [r for r in rows if agency is None or agency in r["agencies"]]
