"""The deadlines Prometheus sees at each scrape of /metrics: how many are due soon and how many are
overdue, by rule, and whether the rule is statutory (deploy/prometheus/alerts.yml alerts on an overdue
statutory deadline). Counts only: no case, audit or agency."""
from __future__ import annotations

from prometheus_client import Gauge

from safeguard_shared.unit_of_work import UnitOfWork

from . import queries
from .timekeeping import Timekeeping

DEADLINES_OPEN = Gauge("safeguard_deadlines_open", "Open deadlines due soon or overdue, by rule",
                       ["service", "key", "status", "statutory"])
WATCHED = ("due_soon", "overdue")


async def refresh(uow: UnitOfWork, tk: Timekeeping, service: str = "scheduling") -> None:
    async with uow:
        counts = {(key, status): n for key, status, n in await queries.open_deadline_counts(uow, WATCHED)}
    # Every enabled rule gets both figures, zero included: an alert sees a count fall back to 0.
    for rule in tk.rules.all():
        for status in WATCHED:
            DEADLINES_OPEN.labels(service, rule.key, status, str(rule.is_statutory).lower()).set(
                counts.pop((rule.key, status), 0))
    for (key, status), n in counts.items():  # a rule disabled since its deadlines were made
        DEADLINES_OPEN.labels(service, key, status, "false").set(n)
