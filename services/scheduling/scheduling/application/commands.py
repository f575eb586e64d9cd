"""The business unit's commands on one deadline (pause, resume, waive) and a SAR's delay, which
stops and restarts every clock of the case."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeguard_shared.contracts.referrals import SarDelayChanged, delay_reason_label
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import store
from ..adapters.orm import deadlines
from ..domain.deadlines import OPEN_STATUSES
from .changes import pause_row, resume_row, waive_row
from .facts import record_fact
from .timekeeping import Conflict, NotFound, Timekeeping, occasion_of

# While a SAR is delayed the adult or advocate is updated at the partnership's interval: this
# clock runs during the delay rather than stopping with it.
DELAY_UPDATE = "sar.delay_update"


@dataclass(frozen=True)
class PauseDeadline:
    deadline_id: str
    reason: str
    by: str


@dataclass(frozen=True)
class ResumeDeadline:
    deadline_id: str
    by: str
    reason: str | None = None


@dataclass(frozen=True)
class WaiveDeadline:
    deadline_id: str
    reason: str
    by: str


async def _locked(uow: UnitOfWork, deadline_id: str) -> Any:
    row = await store.deadline(uow.session, deadline_id, lock=True)
    if row is None:
        raise NotFound("no deadline with that deadline_id")
    return row


async def pause(command: PauseDeadline, uow: UnitOfWork, tk: Timekeeping) -> None:
    """Stop the clock (e.g. parallel court proceedings)."""
    row = await _locked(uow, command.deadline_id)
    if row["status"] not in OPEN_STATUSES:
        raise Conflict(f"a {row['status']} deadline cannot be paused")
    await pause_row(uow, tk, row, reason=command.reason, by=command.by)


async def resume(command: ResumeDeadline, uow: UnitOfWork, tk: Timekeeping) -> None:
    """Restart the clock; the due date moves by the working days it stood still."""
    row = await _locked(uow, command.deadline_id)
    if row["status"] != "paused":
        raise Conflict(f"only a paused deadline can be resumed; this one is {row['status']}")
    await resume_row(uow, tk, row, by=command.by, reason=command.reason)


async def waive(command: WaiveDeadline, uow: UnitOfWork, tk: Timekeeping) -> None:
    row = await _locked(uow, command.deadline_id)
    if row["status"] not in (*OPEN_STATUSES, "paused"):
        raise Conflict(f"a {row['status']} deadline cannot be waived")
    await waive_row(uow, tk, row, reason=command.reason, by=command.by,
                    detail=f"waived by {command.by}: {command.reason}")


async def when_a_sar_is_delayed_or_resumed_stop_or_restart_its_clocks(event: SarDelayChanged, uow: UnitOfWork,
                                                                      tk: Timekeeping) -> None:
    """A SAR delayed (e.g. parallel court proceedings) stops its clocks; resumed, they move on. The
    explanations and feeds say why in the reason code's plain words: the business unit's own words
    stay with the case in the referrals store."""
    delayed = event.change == "delayed"
    why = delay_reason_label(event.reason_code)
    reason = f"the SAR is delayed: {why}" if delayed else f"the SAR's delay ({why}) ended"
    wanted = OPEN_STATUSES if delayed else ("paused",)
    rows = await store.deadlines_where(uow.session, deadlines.c.case_id == event.case_id,
                                       deadlines.c.status.in_(wanted), lock=True)
    for row in rows:
        if row["key"] == DELAY_UPDATE:
            continue
        if delayed:
            await pause_row(uow, tk, row, reason=reason, by=None)
        else:
            await resume_row(uow, tk, row, by=None, reason=reason)
    if delayed:
        await record_fact(uow, tk, occasion_of("case", event.case_id), fact="sar_delayed", on=uow.clock.today(),
                          anchor="delayed_on", reason=reason)
        return
    updates = await store.deadlines_where(uow.session, deadlines.c.case_id == event.case_id,
                                          deadlines.c.key == DELAY_UPDATE, deadlines.c.status.in_(OPEN_STATUSES))
    for row in updates:
        await waive_row(uow, tk, row, reason="the delay ended", by=None, detail="the delay ended")
