"""Action plans: from an audit's findings or a review's recommendations, monitored to completion. No I/O.

An action has an owning agency and a due date (a review's recommendation arrives without one: the
QA sub-group agrees it), progress updates and, at the end, the evidence that it was done. An action
not completed by the end of its due day (Europe/London) is overdue, and is escalated again at the
partnership's interval until it is completed or given a new due date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from safeguard_shared.contracts.audits import (
    ActionCompleted,
    ActionDueDateSet,
    ActionEscalated,
    ActionOverdue,
    ActionProgressRecorded,
)
from safeguard_shared.contracts.envelope import Event

from .errors import OutOfOrder, RuleBroken


@dataclass
class Action:
    action_id: str
    source: str  # audit | review
    owning_agency: str
    description: str
    status: str = "open"  # proposed (no due date yet) | open | completed
    audit_id: str | None = None
    case_id: str | None = None
    case_ref: str | None = None  # the review case's reference, which every event about the action carries
    recommendation_id: str | None = None
    due_on: date | None = None
    overdue_since: date | None = None
    escalations: int = 0
    next_check_on: date | None = None  # when the ticker next looks at it
    updates: int = 0
    completion_evidence: str | None = None
    completed_on: date | None = None

    def _identity(self) -> dict[str, Any]:
        return dict(action_id=self.action_id, source=self.source, audit_id=self.audit_id, case_id=self.case_id,
                    case_ref=self.case_ref, owning_agency=self.owning_agency, due_on=self.due_on)

    def _reset_clock(self) -> None:
        self.overdue_since, self.escalations = None, 0
        self.next_check_on = self.due_on + timedelta(days=1) if self.due_on and self.status == "open" else None

    def set_due(self, due_on: date, today: date) -> list[Event]:
        if self.status == "completed":
            raise OutOfOrder(f"the action was completed on {self.completed_on}")
        if due_on < today:
            raise RuleBroken.one(("body", "due_on"), "the due date is in the past")
        previous = self.due_on
        self.due_on, self.status = due_on, "open"
        self._reset_clock()
        return [ActionDueDateSet(**self._identity(), previous_due_on=previous, set_on=today)]

    def record_progress(self, today: date) -> list[Event]:
        if self.status == "completed":
            raise OutOfOrder(f"the action was completed on {self.completed_on}")
        self.updates += 1
        return [ActionProgressRecorded(**self._identity(), recorded_on=today, updates=self.updates)]

    def complete(self, evidence: str, completed_on: date, today: date) -> list[Event]:
        if self.status == "completed":
            raise OutOfOrder(f"the action was already completed on {self.completed_on}")
        if self.status == "proposed":
            raise OutOfOrder("the QA sub-group has not agreed this action's due date yet")
        if not evidence.strip():
            raise RuleBroken.one(("body", "evidence"), "give the evidence that the action was completed")
        if completed_on > today:
            raise RuleBroken.one(("body", "completed_on"), "completed_on is in the future")
        self.status, self.completion_evidence, self.completed_on = "completed", evidence, completed_on
        self.next_check_on = None
        on_time = self.due_on is not None and completed_on <= self.due_on  # an open action has a due date
        return [ActionCompleted(**self._identity(), completed_on=completed_on, on_time=on_time)]

    def check_overdue(self, today: date, escalate_every_days: int) -> list[Event]:
        """The transitions that fell due by ``today``, each once, in order (also after days of downtime)."""
        if self.status != "open" or self.due_on is None or today <= self.due_on:
            return []
        events: list[Event] = []
        if self.overdue_since is None:
            self.overdue_since = self.due_on + timedelta(days=1)
            events.append(ActionOverdue(**self._identity(), overdue_on=self.overdue_since))
            self.next_check_on = self.overdue_since + timedelta(days=escalate_every_days)
        while self.next_check_on and self.next_check_on <= today:
            self.escalations += 1
            events.append(ActionEscalated(**self._identity(), escalation=self.escalations,
                                          days_overdue=(self.next_check_on - self.due_on).days,
                                          escalated_on=self.next_check_on))
            self.next_check_on += timedelta(days=escalate_every_days)
        return events

    @property
    def overdue(self) -> bool:
        return self.overdue_since is not None and self.status == "open"
