"""What happens to one deadline: met, moved, paused, resumed, waived, closed — each with its history line
and the event it owes, in the caller's unit of work."""
from __future__ import annotations

from datetime import date
from typing import Any

from safeguard_shared.contracts.scheduling import DeadlineChanged, DeadlineMet
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import store
from ..domain.deadlines import assess_met, next_transition, working_days_between
from .timekeeping import Timekeeping, identity, note


async def mark_met(uow: UnitOfWork, tk: Timekeeping, row: Any, met_on: date) -> None:
    outcome = assess_met(tk.calendar, met_on=met_on, due=row["due"], target=row["target"],
                         window_start=row["window_start"])
    await store.change_deadline(uow.session, row["deadline_id"], status="met", met_on=met_on,
                                on_time=int(outcome.on_time), working_days_late=outcome.working_days_late,
                                next_transition_at=None, updated_at=uow.now())
    verdict = "on time" if outcome.on_time else f"{outcome.working_days_late} working day(s) late"
    await note(uow, row["deadline_id"], "met", f"met on {met_on.isoformat()}, {verdict}")
    await uow.publish(DeadlineMet(**identity(row, tk), met_on=met_on, on_time=outcome.on_time,
                                  working_days_late=outcome.working_days_late, target_met=outcome.target_met,
                                  outside_window=outcome.outside_window))


async def reschedule(uow: UnitOfWork, tk: Timekeeping, row: Any, new_due: date, explanation: str, reason: str, *,
                     change: str = "moved", by: str | None = None, window_start: date | None = None,
                     anchor_on: date | None = None) -> None:
    """A new due date: the clock runs again from "pending" (reminders and escalations start over)."""
    transition = next_transition("pending", new_due, 0, tk.calendar, tk.policy)
    await store.change_deadline(
        uow.session, row["deadline_id"], due=new_due, window_start=window_start or row["window_start"],
        anchor_on=anchor_on or row["anchor_on"],
        status="pending", escalations=0, next_transition_at=transition.at if transition else None,
        explanation=explanation, paused_on=None, status_reason=reason, changed_by=by, updated_at=uow.now())
    await note(uow, row["deadline_id"], change, explanation)
    await uow.publish(DeadlineChanged(**{**identity(row, tk), "due": new_due}, change=change, status="pending",
                                      previous_due=row["due"], reason=reason, by=by))


async def pause_row(uow: UnitOfWork, tk: Timekeeping, row: Any, *, reason: str, by: str | None) -> None:
    today = uow.clock.today()
    await store.change_deadline(uow.session, row["deadline_id"], status="paused", paused_on=today,
                                next_transition_at=None, status_reason=reason, changed_by=by, updated_at=uow.now())
    await note(uow, row["deadline_id"], "paused", f"paused on {today.isoformat()}: {reason}")
    await uow.publish(DeadlineChanged(**identity(row, tk), change="paused", status="paused", reason=reason, by=by))


async def resume_row(uow: UnitOfWork, tk: Timekeeping, row: Any, *, by: str | None, reason: str | None) -> None:
    """The clock stood still while paused: the due date moves by the working days it was paused."""
    today = uow.clock.today()
    paused_days = max(0, working_days_between(tk.calendar, row["paused_on"], today))
    new_due = tk.calendar.add_working_days(row["due"], paused_days).date if paused_days else row["due"]
    why = (f"paused from {row['paused_on'].isoformat()} ({row['status_reason']}) to {today.isoformat()}: "
           f"{paused_days} working day(s) added")
    explanation = (f"{row['key']} is due by {new_due.isoformat()}: was due {row['due'].isoformat()}, "
                   f"{why}. {reason or ''}".strip())
    await reschedule(uow, tk, row, new_due, explanation, why, change="resumed", by=by)


async def waive_row(uow: UnitOfWork, tk: Timekeeping, row: Any, *, reason: str, by: str | None,
                    detail: str) -> None:
    who = {"changed_by": by} if by is not None else {}  # the end of a delay waives in nobody's name
    await store.change_deadline(uow.session, row["deadline_id"], status="waived", next_transition_at=None,
                                status_reason=reason, updated_at=uow.now(), **who)
    await note(uow, row["deadline_id"], "waived", detail)
    await uow.publish(DeadlineChanged(**identity(row, tk), change="waived", status="waived", reason=reason, by=by))


async def close_row(uow: UnitOfWork, tk: Timekeeping, row: Any, *, on: date, reason: str) -> None:
    """The pathway the duty hung on ended: the clock closes — neither met nor missed — and never fires again."""
    detail = f"Closed on {on.isoformat()}, neither met nor missed: {reason}."
    await store.change_deadline(uow.session, row["deadline_id"], status="closed", next_transition_at=None,
                                paused_on=None, status_reason=reason, explanation=f"{detail} {row['explanation']}",
                                updated_at=uow.now())
    await note(uow, row["deadline_id"], "closed", detail)
    await uow.publish(DeadlineChanged(**identity(row, tk), change="closed", status="closed", reason=reason))


# Where the explanation of a clock met by several facts says which are recorded and which awaited.
PROGRESS = " Recorded so far:"


def _words(fact: str) -> str:
    return fact.replace("_", " ")


async def progress(uow: UnitOfWork, row: Any, recorded: dict[str, date], awaited: list[str]) -> None:
    """A clock met by several facts: what is recorded (and when), and what is still awaited."""
    done = "; ".join(f"{_words(f)} on {d.isoformat()}" for f, d in recorded.items())
    line = f"{PROGRESS} {done}" + (f"; still awaited: {', '.join(_words(f) for f in awaited)}." if awaited else ".")
    base = row["explanation"].split(PROGRESS, 1)[0].rstrip()
    await store.change_deadline(uow.session, row["deadline_id"], explanation=base + line, updated_at=uow.now())
    if awaited:
        await note(uow, row["deadline_id"], "recorded", line.strip())
