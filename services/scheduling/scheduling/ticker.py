"""The durable timer: finds deadlines whose next transition has fallen due and fires it, once.

Nothing lives in memory: each deadline stores the instant of its next transition, the tick takes
the rows that are due (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never take the same
row), applies every transition that fell due — in order, each once, even after days of downtime —
and writes the events in the same transaction. Nothing fires early: a transition fires only when
the clock has reached its instant.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from safeguard_shared import logging as slog
from safeguard_shared.contracts.scheduling import DeadlineDueSoon, DeadlineEscalated, DeadlineMissed

from .adapters.orm import deadline_history, deadlines
from .domain.deadlines import london_date, next_transition, working_days_between
from .handlers import Scheduler

log = slog.get("ticker")
BATCH = 500


async def tick(scheduler: Scheduler, now: datetime | None = None) -> int:
    """One round: returns how many transitions fired."""
    runtime = scheduler.runtime
    now = now or runtime.clock.now()
    fired = 0
    async with runtime.sessions() as session, session.begin():
        query = select(deadlines).where(deadlines.c.next_transition_at <= now).order_by(
            deadlines.c.next_transition_at).limit(BATCH)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await session.execute(query)).mappings().all()
        # Collected and written in three statements: a round of many transitions stays one round trip each.
        events, history, changes = [], [], []
        for row in rows:
            status, escalations = row["status"], row["escalations"]
            transition = next_transition(status, row["due"], escalations, scheduler.calendar, scheduler.policy)
            identity = Scheduler._identity(row)
            overdue_now = working_days_between(scheduler.calendar, row["due"], london_date(now))
            while transition is not None and transition.at <= now:
                status = transition.new_status
                if transition.kind == "due_soon":
                    if next_transition(status, row["due"], escalations, scheduler.calendar,
                                       scheduler.policy).at <= now:
                        # Already past its due day (a late referral, or after downtime): a "due soon"
                        # reminder now would only confuse; "missed" follows at once.
                        history.append(dict(deadline_id=row["deadline_id"], at=now, change="due_soon",
                                            detail="reminder skipped: the deadline had already passed"))
                        transition = next_transition(status, row["due"], escalations, scheduler.calendar,
                                                     scheduler.policy)
                        continue
                    event = DeadlineDueSoon(**identity)
                elif transition.kind == "missed":
                    event = DeadlineMissed(**identity)
                else:
                    # Every escalation step that fell due while nobody ticked is caught up as ONE
                    # escalation carrying the current count: an agency is never sent a backlog of chasers.
                    escalations = max(escalations + 1, overdue_now // scheduler.policy.escalate_every_working_days)
                    event = DeadlineEscalated(**identity, escalation=escalations, working_days_overdue=overdue_now)
                events.append((event, transition.at))
                history.append(dict(deadline_id=row["deadline_id"], at=transition.at, change=transition.kind,
                                    detail=f"{transition.kind.replace('_', ' ')} at {transition.at.isoformat()}"))
                fired += 1
                transition = next_transition(status, row["due"], escalations, scheduler.calendar, scheduler.policy)
            changes.append(dict(b_id=row["deadline_id"], b_status=status, b_escalations=escalations,
                                b_next=transition.at if transition else None))
        if changes:
            await runtime.outbox.add_many(session, events)
            if history:
                await session.execute(insert(deadline_history), history)
            await session.execute(
                update(deadlines).where(deadlines.c.deadline_id == bindparam("b_id")).values(
                    status=bindparam("b_status"), escalations=bindparam("b_escalations"),
                    next_transition_at=bindparam("b_next"), updated_at=now)
                .execution_options(synchronize_session=False), changes)
    if fired:
        runtime.relay.wake()
    return fired


async def run_ticker(scheduler: Scheduler, interval_seconds: float) -> None:
    while True:
        try:
            while await tick(scheduler) > 0:
                pass  # catch up in batches after downtime
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("tick failed", extra={"error_type": type(exc).__name__})
        await asyncio.sleep(interval_seconds)
