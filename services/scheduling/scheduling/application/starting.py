"""Starting clocks: an anchor event starts the clocks its rules count from, each once per occasion."""
from __future__ import annotations

import uuid
from typing import Any

from safeguard_shared.contracts.audits import AuditPlanned, TrainingCompleted
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_shared.contracts.scheduling import DeadlineScheduled
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import store
from ..domain.deadlines import next_transition
from ..domain.policies import ClockStart, when_child_case_opened_start_the_rapid_review_clocks
from ..domain.rules import DueDate, MissingAnchorError
from .timekeeping import Timekeeping, identity, note, occasion_of, owner_of

# Why a training survey's clock that starts after its day is closed at once.
LATE_TRAINING = ("the completion was recorded after the survey's day had passed; the audits service lists "
                 "the survey as late, not yet sent")


async def start_clock(uow: UnitOfWork, tk: Timekeeping, start: ClockStart, *, occasion: str,
                      occurrence: int = 1, case_ref: str | None = None,
                      closed_if_already_past: str | None = None) -> str | None:
    """Create the deadline unless this clock already runs for this occasion; returns its id.
    ``closed_if_already_past``: the reason a clock whose due date has already passed when it starts
    is closed at once (neither met nor missed) rather than left to go overdue."""
    started = await start_clocks(uow, tk, [start], occasion=occasion, occurrence=occurrence, case_ref=case_ref,
                                 closed_if_already_past=closed_if_already_past)
    return started[0] if started else None


async def start_clocks(uow: UnitOfWork, tk: Timekeeping, starts: list[ClockStart], *, occasion: str,
                       occurrence: int = 1, case_ref: str | None = None,
                       closed_if_already_past: str | None = None) -> list[str]:
    """``start_clock`` for each of ``starts`` on one occasion, the deadlines written in one statement (a
    case opening starts four); the ids of those started, in the order of ``starts``."""
    planned = [values for start in starts if (values := _planned(uow, tk, start, occasion=occasion,
                                                                  occurrence=occurrence,
                                                                  closed_if_already_past=closed_if_already_past))]
    written = await store.add_deadlines(uow.session, planned)
    started = []
    for values in planned:
        if values["deadline_id"] not in written:
            continue  # this clock already runs for this occasion (a redelivered event)
        await note(uow, values["deadline_id"], "closed" if values["status"] == "closed" else "scheduled",
                   values["explanation"])
        await uow.publish(DeadlineScheduled(**identity({**values, "case_ref": case_ref}, tk),
                                            window_start=values["window_start"], target=values["target"],
                                            status=values["status"]))
        started.append(values["deadline_id"])
    return started


def _planned(uow: UnitOfWork, tk: Timekeeping, start: ClockStart, *, occasion: str, occurrence: int,
             closed_if_already_past: str | None) -> dict[str, Any] | None:
    """The new deadline's row, or None when it cannot start yet (its anchor is not known) or no more
    (a recurring duty that has run its course)."""
    rule = tk.rules.get(start.key)
    try:
        due = tk.rules.due_for(rule, start.anchors, tk.calendar)
        if occurrence > 1:
            # The n-th occurrence of a recurring duty, counted from the anchor (so no drift).
            occurrences = tk.rules.occurrences(rule, start.anchors, tk.calendar)
            if occurrence > len(occurrences):
                return None  # the duty has run its course (its `until` date has passed)
            due = DueDate(rule=rule, anchor_date=due.anchor_date, due=occurrences[occurrence - 1])
    except MissingAnchorError:
        return None  # starts when its anchor is recorded
    owner = {"case_id": None, "audit_id": None, "completion_id": None, **owner_of(occasion)}
    deadline_id = str(uuid.uuid4())
    now = uow.now()
    who_agency = start.agency or rule.who_acts.agency
    if who_agency == "each_involved_agency":
        who_agency = start.agency or None
    transition = next_transition("pending", due.due.date, 0, tk.calendar, tk.policy)
    closed = closed_if_already_past is not None and due.due.date < uow.clock.today()
    explanation = (f"Closed on {uow.clock.today().isoformat()}, neither met nor missed: {closed_if_already_past}. "
                   f"{due.explanation}" if closed else due.explanation)
    values = dict(
        deadline_id=deadline_id, key=rule.key, **owner, occasion=occasion, agency=start.agency,
        occurrence=occurrence, anchor_name=rule.anchor, anchor_on=due.anchor_date, due=due.due.date,
        window_start=due.window_start.date if due.window_start else None,
        target=due.target.date if due.target else None, status="closed" if closed else "pending",
        explanation=explanation, status_reason=closed_if_already_past if closed else None,
        skipped=[{"date": s.date.isoformat(), "reason": s.reason} for s in due.due.skipped],
        who_agency=who_agency, who_role=rule.who_acts.role, escalations=0,
        next_transition_at=transition.at if transition and not closed else None, created_at=now, updated_at=now)
    return values


async def when_a_case_opens_start_its_clocks(event: CaseOpened, uow: UnitOfWork, tk: Timekeeping) -> None:
    anchors = {"received_on": event.received_on}
    if event.became_aware_on:
        anchors["became_aware_on"] = event.became_aware_on
    occasion = occasion_of("case", event.case_id)
    await store.lock_occasion(uow.session, occasion)
    await store.remember_occasion(uow.session, occasion, event.pathway, event.involved_agencies, anchors, uow.now(),
                                  case_ref=event.case_ref)
    if event.pathway == "child":
        starts = when_child_case_opened_start_the_rapid_review_clocks(
            received_on=event.received_on, became_aware_on=event.became_aware_on,
            rapid_review=event.rapid_review, notices_owed=list(event.notices_owed),
            panel_notice_awaiting_confirmation=event.panel_notice_awaiting_confirmation)
    else:
        starts = [ClockStart(r.key, anchors) for r in tk.rules_of("adult") if r.anchor in anchors]
    await start_clocks(uow, tk, starts, occasion=occasion, case_ref=event.case_ref)


async def when_an_audit_is_planned_start_its_clocks(event: AuditPlanned, uow: UnitOfWork, tk: Timekeeping) -> None:
    """A multi-agency case file audit is planned backward from its QA sub-group meeting."""
    anchors = {"qa_meeting_on": event.qa_meeting_on}
    occasion = occasion_of("audit", event.audit_id)
    await store.lock_occasion(uow.session, occasion)
    await store.remember_occasion(uow.session, occasion, "audit", [], anchors, uow.now())
    await start_clocks(uow, tk, [ClockStart(rule.key, anchors) for rule in tk.rules_of("audit")], occasion=occasion)


async def when_training_is_completed_start_its_follow_ups(event: TrainingCompleted, uow: UnitOfWork,
                                                          tk: Timekeeping) -> None:
    """A training completion starts its own clocks (the follow-up and the manager's survey). One whose
    day has already passed (a completion recorded months late, an import of old records) starts
    closed: the audits service lists that survey as late for the business unit, once, instead of a
    missed deadline and an overdue message for each (README, "Training follow-ups recorded late")."""
    anchors = {"training_completed_on": event.training_completed_on}
    occasion = occasion_of("training", event.completion_id)
    await store.lock_occasion(uow.session, occasion)
    await store.remember_occasion(uow.session, occasion, "training", [event.agency], anchors, uow.now())
    await start_clocks(uow, tk, [ClockStart(rule.key, anchors) for rule in tk.rules_of("training")],
                       occasion=occasion, closed_if_already_past=LATE_TRAINING)
