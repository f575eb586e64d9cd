"""One round of the service's durable timer: actions whose due day has ended become overdue (and
overdue ones are escalated at the partnership's interval), and training surveys whose day has come
are sent. Nothing lives in memory: each row says when it is next looked at, so a round after days of
downtime catches up, each transition once; rows are taken with SKIP LOCKED on PostgreSQL, so several
replicas never fire the same one. The loop that runs a round every so often is wired in bootstrap."""
from __future__ import annotations

from collections.abc import Callable

from safeguard_shared.unit_of_work import UnitOfWork

from .actions import CheckOverdue, check_overdue
from .training import SendDueSurveys, send_due_surveys


async def tick(unit_of_work: Callable[[], UnitOfWork], escalate_every_days: int, survey_link_days: int = 60) -> int:
    """One round, caught up (each batch in its own transaction): returns how many events it owed."""
    fired = 0
    while (n := await check_overdue(CheckOverdue(escalate_every_days), unit_of_work())) > 0:
        fired += n
    while (n := await send_due_surveys(SendDueSurveys(link_days=survey_link_days), unit_of_work())) > 0:
        fired += n
    return fired
