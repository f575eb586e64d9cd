"""What the referrals service does when another service's event arrives: ``EVENT_HANDLERS``."""
from __future__ import annotations

from collections.abc import Callable

from safeguard_shared.bus.dispatch import EventHandlers, acts_only_on
from safeguard_shared.contracts.scheduling import DeadlineChanged, DeadlineScheduled
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import repository
from ..domain.child_case import ChildCase


def _the_meeting_window_or_completion_date(event: DeadlineScheduled) -> bool:
    return bool(event.case_id) and ((event.key == "rr.meeting" and event.window_start is not None)
                                    or event.key == "rr.complete")


@acts_only_on(_the_meeting_window_or_completion_date)
async def when_the_meeting_window_is_counted_keep_it(event: DeadlineScheduled, uow: UnitOfWork) -> None:
    """The clock counts the rapid review meeting's window (one calendar, in scheduling); the case
    keeps it to check the meeting date the business unit sets. Likewise the date by which the rapid
    review should be complete (rr.complete), to warn when the meeting is set after it."""
    if event.key == "rr.meeting" and event.window_start is not None:
        start = event.window_start
        await _learn(event, uow, lambda case: case.learn_meeting_window(start, event.due))
    elif event.key == "rr.complete":
        await _learn(event, uow, lambda case: case.learn_completion_date(event.due, event.description))


@acts_only_on(lambda event: event.key == "rr.complete" and bool(event.case_id))
async def when_the_completion_date_changes_follow_it(event: DeadlineChanged, uow: UnitOfWork) -> None:
    """The clock moved rr.complete (its anchor moved, e.g. a partnership that counts from the Panel's
    notification): the case follows; a duty waived or closed warns of nothing any more."""
    if event.key != "rr.complete":
        return
    if event.change == "moved":
        await _learn(event, uow, lambda case: case.learn_completion_date(event.due, event.description))
    elif event.change in ("waived", "closed"):
        await _learn(event, uow, lambda case: case.learn_completion_date(None, None))


async def _learn(event: DeadlineScheduled | DeadlineChanged, uow: UnitOfWork,
                 learn: Callable[[ChildCase], None]) -> None:
    if not event.case_id:
        return
    row = await repository.case_state(uow.session, event.case_id)
    if row is None or row["pathway"] != "child":
        return
    case = ChildCase.from_state(row["state"])
    learn(case)
    state = case.to_state()
    if state != row["state"]:  # a date the case already knows (the same event again, a move to the same day)
        await repository.update_case(uow.session, event.case_id, state=state)


EVENT_HANDLERS: EventHandlers = {DeadlineScheduled: [when_the_meeting_window_is_counted_keep_it],
                                 DeadlineChanged: [when_the_completion_date_changes_follow_it]}
