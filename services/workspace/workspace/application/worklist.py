"""What is due on each case, from the scheduling service's deadlines, in words people use.

The scheduling service owns the deadlines and decides who may see which; the duty's name is its
rule's own description (``GET /v1/rules``, the partnership's local wording included), never the
rule's key. A deadline is overdue when scheduling says so, or when its due date has passed and it is
still open (the page does not wait for scheduling's next round to say so).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..adapters.referrals_api import ReferralsApi
from ..adapters.scheduling_api import SchedulingApi
from .cases import expect, find_cases
from .words import agency_name

OPEN = ("pending", "due_soon", "overdue")


@dataclass(frozen=True)
class Due:
    duty: str  # the rule's own words: "The rapid review meeting is held, within its window"
    due: date
    overdue: bool
    agency: str | None  # the agency that must act (a scoping return's agency, or the rule's who_acts)
    explanation: str  # how the date was counted

    @property
    def who(self) -> str:
        return agency_name(self.agency) if self.agency else "The partnership's business unit"


@dataclass
class WorkItem:
    case: dict[str, Any]
    due: list[Due] = field(default_factory=list)

    @property
    def next(self) -> Due | None:
        return self.due[0] if self.due else None

    @property
    def overdue(self) -> int:
        return sum(1 for d in self.due if d.overdue)


def duty_names(rules: Any) -> dict[str, str]:
    """Each rule's key → what it asks, as a sentence."""
    items = rules.get("rules", []) if isinstance(rules, dict) else []
    return {str(r["key"]): str(r["what"])[:1].upper() + str(r["what"])[1:] for r in items if r.get("what")}


def what_is_due(deadlines: list[dict[str, Any]], names: dict[str, str], today: date) -> list[Due]:
    """The open deadlines, overdue first, then soonest first."""
    due = [Due(duty=names.get(d["key"], "A deadline of this case"), due=date.fromisoformat(str(d["due"])),
               overdue=d["status"] == "overdue" or date.fromisoformat(str(d["due"])) < today,
               agency=d.get("agency") or (d.get("who_acts") or {}).get("agency"),
               explanation=str(d.get("explanation") or ""))
           for d in deadlines if d.get("status") in OPEN]
    return sorted(due, key=lambda d: (not d.overdue, d.due, d.duty))


async def rule_names(scheduling: SchedulingApi, token: str) -> dict[str, str]:
    return duty_names(expect(await scheduling.rules(token), 200))


async def case_deadlines(scheduling: SchedulingApi, token: str, case_id: str, names: dict[str, str],
                         today: date) -> list[Due]:
    return what_is_due(list(expect(await scheduling.deadlines(token, case_id), 200)), names, today)


async def worklist(referrals: ReferralsApi, scheduling: SchedulingApi, token: str, today: date) -> list[WorkItem]:
    """Every case the person may find with what is due on it: cases with something overdue first,
    then by what is due soonest; cases with nothing open last."""
    found, names = await asyncio.gather(find_cases(referrals, token), rule_names(scheduling, token))
    dues = await asyncio.gather(*(case_deadlines(scheduling, token, c["case_id"], names, today) for c in found))
    items = [WorkItem(case=c, due=d) for c, d in zip(found, dues, strict=True)]

    def order(item: WorkItem) -> tuple[int, date, str]:
        first = item.next
        if first is None:
            return (2, date.max, item.case["case_ref"])
        return (0 if first.overdue else 1, first.due, item.case["case_ref"])

    return sorted(items, key=order)
