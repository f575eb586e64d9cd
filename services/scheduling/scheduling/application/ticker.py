"""The durable timer: finds deadlines whose next transition has fallen due and fires it, once.

Nothing lives in memory: each deadline stores the instant of its next transition, the tick takes
the rows that are due (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never take the same
row), applies every transition that fell due — in order, each once, even after days of downtime —
and writes the events in the same transaction. Nothing fires early: a transition fires only when
the clock has reached its instant.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from safeguard_shared import logging as slog
from safeguard_shared.contracts.envelope import Event
from safeguard_shared.contracts.scheduling import DeadlineDueSoon, DeadlineEscalated, DeadlineMissed
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import store
from ..domain.deadlines import london_date, next_transition, working_days_between
from .timekeeping import Timekeeping, identity

log = slog.get("ticker")
BATCH = 500


async def tick(uow: UnitOfWork, tk: Timekeeping, now: datetime | None = None) -> int:
    """One round: returns how many transitions fired."""
    now = now or uow.now()
    rows = await store.transitions_due(uow.session, now, BATCH)
    # Collected and written in three statements: a round of many transitions stays one round trip each.
    events: list[tuple[Event, datetime]] = []
    history: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    fired = 0
    for row in rows:
        status, escalations = row["status"], row["escalations"]
        transition = next_transition(status, row["due"], escalations, tk.calendar, tk.policy)
        ids = identity(row, tk)
        overdue_now = working_days_between(tk.calendar, row["due"], london_date(now))
        while transition is not None and transition.at <= now:
            status = transition.new_status
            event: Event
            if transition.kind == "due_soon":
                following = next_transition(status, row["due"], escalations, tk.calendar, tk.policy)
                if following is not None and following.at <= now:
                    # Already past its due day (a late referral, or after downtime): a "due soon"
                    # reminder now would only confuse; "missed" follows at once.
                    history.append(dict(deadline_id=row["deadline_id"], at=now, change="due_soon",
                                        detail="reminder skipped: the deadline had already passed"))
                    transition = following
                    continue
                event = DeadlineDueSoon(**ids)
            elif transition.kind == "missed":
                event = DeadlineMissed(**ids)
            else:
                # Every escalation step that fell due while nobody ticked is caught up as ONE
                # escalation carrying the current count: an agency is never sent a backlog of chasers.
                escalations = max(escalations + 1, overdue_now // tk.policy.escalate_every_working_days)
                event = DeadlineEscalated(**ids, escalation=escalations, working_days_overdue=overdue_now)
            events.append((event, transition.at))
            history.append(dict(deadline_id=row["deadline_id"], at=transition.at, change=transition.kind,
                                detail=f"{transition.kind.replace('_', ' ')} at {transition.at.isoformat()}"))
            fired += 1
            transition = next_transition(status, row["due"], escalations, tk.calendar, tk.policy)
        changes.append(dict(b_id=row["deadline_id"], b_status=status, b_escalations=escalations,
                            b_next=transition.at if transition else None))
    if changes:
        # One INSERT for the round's events (each stamped with the instant its transition fell due).
        await uow.publish_many(events)
        await store.record_round(uow.session, now, history, changes)
    return fired


async def run_ticker(unit_of_work: Callable[[], UnitOfWork], tk: Timekeeping, interval_seconds: float) -> None:
    """The background loop: ticks until a round finds nothing (catching up after downtime), then waits."""
    while True:
        try:
            while True:
                async with unit_of_work() as uow:
                    fired = await tick(uow, tk)
                if not fired:
                    break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("tick failed", extra={"error_type": type(exc).__name__})
        await asyncio.sleep(interval_seconds)
