"""What every use case of the clock needs besides its unit of work, the errors they raise, and the
pieces they share: naming an occasion, the identity a deadline's events carry, its history."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import store
from ..domain.calendar import WorkingDayCalendar
from ..domain.deadlines import ReminderPolicy
from ..domain.rules import Rule, RuleBook

# The processes whose rules an occasion's anchors start (rule keys begin with these).
PROCESSES_OF = {"child": ("rr", "cspr"), "adult": ("sar",), "audit": ("macfa",), "training": ("training",)}
# An occasion is what a clock runs for: "case:<id>", "audit:<id>" or "training:<completion id>".
OWNER_FIELD = {"case": "case_id", "audit": "audit_id", "training": "completion_id"}


@dataclass(frozen=True)
class Timekeeping:
    """The partnership's rules, its working-day calendar and its reminder policy (loaded at start)."""

    rules: RuleBook
    calendar: WorkingDayCalendar
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)

    def rules_of(self, process: str) -> list[Rule]:
        prefixes = PROCESSES_OF[process]
        return [r for r in self.rules.all() if r.process in prefixes]

    def description(self, key: str) -> str | None:
        """The duty in plain words, as the (possibly overridden) rules file says it."""
        try:
            return self.rules.get(key).what
        except KeyError:
            return None  # a deadline started under a rule this rules file no longer has


class Conflict(Exception):
    """A command that does not fit the deadline's state (409)."""


class NotFound(Exception):
    """No deadline with that id (404)."""


def occasion_of(kind: str, owner_id: str) -> str:
    return f"{kind}:{owner_id}"


def owner_of(occasion: str) -> dict[str, str]:
    """The id field an occasion's deadlines carry: {"case_id": …}, {"audit_id": …} or {"completion_id": …}."""
    kind, owner_id = occasion.split(":", 1)
    return {OWNER_FIELD[kind]: owner_id}


def identity(row: Any, timekeeping: Timekeeping) -> dict[str, Any]:
    """What every event about this deadline carries: who it belongs to, what it asks, who acts."""
    return dict(deadline_id=row["deadline_id"], key=row["key"], case_id=row["case_id"],
                audit_id=row["audit_id"], completion_id=row["completion_id"],
                description=timekeeping.description(row["key"]), agency=row["agency"] or None, due=row["due"],
                who_agency=row["who_agency"], who_role=row["who_role"], case_ref=row.get("case_ref"))


async def note(uow: UnitOfWork, deadline_id: str, change: str, detail: str) -> None:
    """One line of the deadline's history ("why is this due then?" answered later)."""
    await store.record_history(uow.session, deadline_id, uow.now(), change, detail)
