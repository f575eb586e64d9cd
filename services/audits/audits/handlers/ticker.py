"""The service's durable timer: at each round, actions whose due day has ended become overdue (and
overdue ones are escalated at the partnership's interval), and training surveys whose day has come
are sent. Nothing lives in memory: each row says when it is next looked at, so a round after days of
downtime catches up, each transition once; rows are taken with SKIP LOCKED on PostgreSQL, so several
replicas never fire the same one."""
from __future__ import annotations

import asyncio

from safeguard_shared import logging as slog
from safeguard_shared.service import ServiceRuntime

from ..config import AuditsSettings
from .actions import check_overdue
from .training import issue_due_surveys

log = slog.get("audits-ticker")


async def tick(runtime: ServiceRuntime, settings: AuditsSettings) -> int:
    """One round, caught up: returns how many events it owed."""
    fired = 0
    while (n := await check_overdue(runtime, settings.action_escalate_every_days)) > 0:
        fired += n
    while (n := await issue_due_surveys(runtime)) > 0:
        fired += n
    return fired


async def run_ticker(runtime: ServiceRuntime, settings: AuditsSettings) -> None:
    while True:
        try:
            await tick(runtime, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database blinked; the next round retries
            log.warning("audits tick failed", extra={"error_type": type(exc).__name__})
        await asyncio.sleep(settings.tick_seconds)
