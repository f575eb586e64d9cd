"""Use cases of the scheduling service: start clocks from anchor events, meet them from completion
facts, move them when an anchor moves, and the business unit's pause, resume and waive.

Every change is one transaction with the events it owes (and, for consumed events, the inbox row).
"""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguard_shared.contracts import Envelope, contract_for, parse
from safeguard_shared.contracts.audits import (
    AuditMilestoneReached,
    AuditPlanned,
    CasesSampled,
    TrainingCompleted,
    TrainingSurveySent,
)
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened, MilestoneReached, SarDelayChanged
from safeguard_shared.contracts.scheduling import DeadlineChanged, DeadlineMet, DeadlineScheduled
from safeguard_shared.db import insert_for
from safeguard_shared.service import ServiceRuntime

from .adapters.orm import deadline_history, deadlines, occasions
from .domain.calendar import WorkingDayCalendar
from .domain.deadlines import LONDON, OPEN_STATUSES, ReminderPolicy, assess_met, next_transition, working_days_between
from .domain.policies import ClockStart, when_child_case_opened_start_the_rapid_review_clocks
from .domain.rules import DueDate, MissingAnchorError, Rule, RuleBook

# Which fact a sent message establishes: the clock is met when the message actually left.
FACT_OF_MESSAGE = {
    "serious_incident_notification": "panel_notified",
    "looked_after_child_death_notice": "lac_death_notified",
    "scoping_request": "scoping_sent",
    "rapid_review_outcome_to_panel": "outcome_sent",
    "final_report_to_panel": "final_report_sent",
}
PROCESSES_OF = {"child": ("rr", "cspr"), "adult": ("sar",), "audit": ("macfa",), "training": ("training",)}


DELAY_UPDATE = "sar.delay_update"


class OccasionNotYetKnown(Exception):
    """A fact arrived before the case or audit it belongs to (retryable)."""


class Conflict(Exception):
    """A command that does not fit the deadline's state (409)."""


class NotFound(Exception):
    pass


class Scheduler:
    def __init__(self, runtime: ServiceRuntime, calendar: WorkingDayCalendar, rules: RuleBook,
                 policy: ReminderPolicy | None = None):
        self.runtime = runtime
        self.calendar = calendar
        self.rules = rules
        self.policy = policy or ReminderPolicy()

    # --- consumed events ------------------------------------------------------------------------
    async def on_referrals_event(self, session: AsyncSession, env: Envelope) -> None:
        if contract_for(env.event_type, env.schema_version) is None:
            return  # not an anchor or a fact the clock counts
        event = parse(env)
        if isinstance(event, CaseOpened):
            await self._case_opened(session, event, env)
        elif isinstance(event, SarDelayChanged):
            await self.on_delay(session, event.case_id, event.change, event.reason, env)
        elif isinstance(event, MilestoneReached):
            await self.record_fact(session, f"case:{event.case_id}", fact=event.fact, on=event.on,
                                   agency=event.agency, anchor=event.anchor, reason=event.reason, env=env)

    async def on_audits_event(self, session: AsyncSession, env: Envelope) -> None:
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        if isinstance(event, AuditPlanned):
            occasion = f"audit:{event.audit_id}"
            await self._remember(session, occasion, "audit", [], {"qa_meeting_on": event.qa_meeting_on})
            for rule in self._rules_of("audit"):
                await self.start_clock(session, ClockStart(rule.key, {"qa_meeting_on": event.qa_meeting_on}),
                                       env=env, audit_id=event.audit_id)
        elif isinstance(event, CasesSampled):
            await self.record_fact(session, f"audit:{event.audit_id}", fact="cases_sampled",
                                   on=env.occurred_at.astimezone(LONDON).date(), agency=None, anchor=None,
                                   reason=None, env=env)
        elif isinstance(event, AuditMilestoneReached):
            await self.record_fact(session, f"audit:{event.audit_id}", fact=event.fact, on=event.on, agency=None,
                                   anchor=None, reason=None, env=env)
        elif isinstance(event, TrainingCompleted):
            # A training completion is timed like an audit: its id goes where an audit's would.
            anchors = {"training_completed_on": event.training_completed_on}
            await self._remember(session, f"audit:{event.completion_id}", "training", [event.agency], anchors)
            for rule in self._rules_of("training"):
                await self.start_clock(session, ClockStart(rule.key, anchors), env=env, audit_id=event.completion_id)
        elif isinstance(event, TrainingSurveySent):
            await self.record_fact(session, f"audit:{event.completion_id}", fact=event.fact, on=event.sent_on,
                                   agency=None, anchor=None, reason=None, env=env)

    async def on_notifications_event(self, session: AsyncSession, env: Envelope) -> None:
        """A statutory message that went out meets the clock that asked for it, on the day it went."""
        if contract_for(env.event_type, env.schema_version) is None:
            return
        event = parse(env)
        if not isinstance(event, NotificationSent) or not event.case_id:
            return
        fact = FACT_OF_MESSAGE.get(event.template)
        if fact is None:
            return
        agency = event.agency if fact == "scoping_sent" else None
        await self.record_fact(session, f"case:{event.case_id}", fact=fact,
                               on=event.sent_on or self.runtime.clock.today(), agency=agency, anchor=None,
                               reason=None, env=env)

    async def _case_opened(self, session: AsyncSession, event: CaseOpened, env: Envelope) -> None:
        anchors = {"received_on": event.received_on}
        if event.became_aware_on:
            anchors["became_aware_on"] = event.became_aware_on
        await self._remember(session, f"case:{event.case_id}", event.pathway, event.involved_agencies, anchors)
        if event.pathway == "child":
            starts = when_child_case_opened_start_the_rapid_review_clocks(
                received_on=event.received_on, became_aware_on=event.became_aware_on,
                rapid_review=event.rapid_review, notices_owed=list(event.notices_owed),
                panel_notice_awaiting_confirmation=event.panel_notice_awaiting_confirmation)
        else:
            starts = [ClockStart(r.key, anchors) for r in self._rules_of("adult") if r.anchor in anchors]
        for start in starts:
            await self.start_clock(session, start, case_id=event.case_id, env=env)

    # --- occasions --------------------------------------------------------------------------------
    async def _occasion(self, session: AsyncSession, occasion: str, *, lock: bool = False) -> dict | None:
        query = select(occasions).where(occasions.c.occasion == occasion)
        if lock and session.bind.dialect.name == "postgresql":
            query = query.with_for_update()  # facts about one case are recorded one after another
        row = (await session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def _remember(self, session: AsyncSession, occasion: str, process: str, agencies: list[str],
                        anchors: dict[str, date]) -> None:
        values = dict(occasion=occasion, process=process, involved_agencies=list(agencies),
                      anchors={k: v.isoformat() for k, v in anchors.items()}, updated_at=self.runtime.clock.now())
        await session.execute(insert_for(session)(occasions).values(**values).on_conflict_do_nothing(
            index_elements=["occasion"]))

    def _rules_of(self, process: str) -> list[Rule]:
        prefixes = PROCESSES_OF[process]
        return [r for r in self.rules.all() if r.process in prefixes]

    # --- starting a clock -------------------------------------------------------------------------
    async def start_clock(self, session: AsyncSession, start: ClockStart, *, env: Envelope | None,
                          case_id: str | None = None, audit_id: str | None = None,
                          occurrence: int = 1) -> str | None:
        """Create the deadline unless this clock already runs for this occasion; returns its id."""
        rule = self.rules.get(start.key)
        try:
            due = self.rules.due_for(rule, start.anchors, self.calendar)
            if occurrence > 1:
                # The n-th occurrence of a recurring duty, counted from the anchor (so no drift).
                occurrences = self.rules.occurrences(rule, start.anchors, self.calendar)
                if occurrence > len(occurrences):
                    return None  # the duty has run its course (its `until` date has passed)
                due = DueDate(rule=rule, anchor_date=due.anchor_date, due=occurrences[occurrence - 1])
        except MissingAnchorError:
            return None  # starts when its anchor is recorded
        occasion = f"case:{case_id}" if case_id else f"audit:{audit_id}"
        deadline_id = str(uuid.uuid4())
        now = self.runtime.clock.now()
        who_agency = start.agency or rule.who_acts.agency
        if who_agency == "each_involved_agency":
            who_agency = start.agency or None
        transition = next_transition("pending", due.due.date, 0, self.calendar, self.policy)
        values = dict(
            deadline_id=deadline_id, key=rule.key, case_id=case_id, audit_id=audit_id, occasion=occasion,
            agency=start.agency, occurrence=occurrence, anchor_name=rule.anchor, anchor_on=due.anchor_date, due=due.due.date,
            window_start=due.window_start.date if due.window_start else None,
            target=due.target.date if due.target else None, status="pending", explanation=due.explanation,
            skipped=[{"date": s.date.isoformat(), "reason": s.reason} for s in due.due.skipped],
            who_agency=who_agency, who_role=rule.who_acts.role, escalations=0,
            next_transition_at=transition.at if transition else None, created_at=now, updated_at=now)
        result = await session.execute(insert_for(session)(deadlines).values(**values).on_conflict_do_nothing(
            index_elements=["key", "occasion", "agency", "occurrence"]))
        if result.rowcount == 0:
            return None
        await self._history(session, deadline_id, "scheduled", due.explanation)
        await self.runtime.outbox.add(session, DeadlineScheduled(
            deadline_id=deadline_id, key=rule.key, case_id=case_id, audit_id=audit_id,
            agency=start.agency or None, due=due.due.date, window_start=values["window_start"],
            target=values["target"], who_agency=who_agency, who_role=rule.who_acts.role, status="pending"),
            occurred_at=now, correlation_id=env.correlation_id if env else None,
            causation_id=env.event_id if env else None)
        return deadline_id

    async def _history(self, session: AsyncSession, deadline_id: str, change: str, detail: str) -> None:
        await session.execute(insert(deadline_history).values(
            deadline_id=deadline_id, at=self.runtime.clock.now(), change=change, detail=detail))

    # --- facts: meet, anchor, move ----------------------------------------------------------------
    async def record_fact(self, session: AsyncSession, occasion: str, *, fact: str, on: date,
                          agency: str | None, anchor: str | None, reason: str | None,
                          env: Envelope | None) -> None:
        occ = await self._occasion(session, occasion, lock=True)
        if occ is None:
            # The event that opens the case is still on its way (or being retried): try again later
            # rather than lose the fact. The consumer retries with back-off, then dead-letters.
            raise OccasionNotYetKnown(f"{occasion} is not known to the clock yet")
        anchors = dict(occ["anchors"])
        anchors[f"{fact}@{agency}" if agency else fact] = on.isoformat()
        anchor_name = anchor or (f"{fact}_on" if f"{fact}_on" in self.rules.anchors else None)
        previous = None
        if anchor_name:
            slot = f"{anchor_name}@{agency}" if agency else anchor_name
            previous = anchors.get(slot)
            anchors[slot] = on.isoformat()
        await session.execute(update(occasions).where(occasions.c.occasion == occasion).values(
            anchors=anchors, updated_at=self.runtime.clock.now()))
        await self._meet(session, occ, anchors, fact=fact, on=on, agency=agency, env=env)
        if anchor_name:
            if previous and previous != on.isoformat():
                await self._move(session, occ, anchor_name, agency, on,
                                 reason or f"{anchor_name} changed from {previous} to {on.isoformat()}", env)
            elif not previous:
                await self._start_from(session, occ, anchor_name, agency, on, env)

    async def _meet(self, session: AsyncSession, occ: dict, anchors: dict, *, fact: str, on: date,
                    agency: str | None, env: Envelope | None) -> None:
        for rule in self.rules.met_by(fact):
            query = select(deadlines).where(deadlines.c.occasion == occ["occasion"], deadlines.c.key == rule.key,
                                            deadlines.c.status.in_(OPEN_STATUSES + ("paused",)))
            if rule.per_agency:
                query = query.where(deadlines.c.agency == (agency or ""))
            for row in (await session.execute(query)).mappings().all():
                met_on = on
                if agency and not rule.per_agency:
                    # "sent to every involved agency": met when the last of them has it, on that date.
                    dates = [anchors.get(f"{fact}@{a}") for a in occ["involved_agencies"]]
                    if not all(dates):
                        continue
                    met_on = max(date.fromisoformat(d) for d in dates)
                await self._mark_met(session, row, met_on, env)
                if rule.repeats is not None:
                    await self._next_occurrence(session, occ, anchors, rule, row, env)

    async def _next_occurrence(self, session: AsyncSession, occ: dict, anchors: dict, rule: Rule, row,
                               env: Envelope | None) -> None:
        """A recurring duty met: the next occurrence starts (until the rule's `until` date)."""
        known = {k: date.fromisoformat(v) for k, v in anchors.items() if "@" not in k and k in self.rules.anchors}
        await self.start_clock(session, ClockStart(rule.key, known, agency=row["agency"]), env=env,
                               case_id=row["case_id"], audit_id=row["audit_id"], occurrence=row["occurrence"] + 1)

    async def _mark_met(self, session: AsyncSession, row, met_on: date, env: Envelope | None) -> None:
        outcome = assess_met(self.calendar, met_on=met_on, due=row["due"], target=row["target"],
                             window_start=row["window_start"])
        now = self.runtime.clock.now()
        await session.execute(update(deadlines).where(deadlines.c.deadline_id == row["deadline_id"]).values(
            status="met", met_on=met_on, on_time=int(outcome.on_time), working_days_late=outcome.working_days_late,
            next_transition_at=None, updated_at=now))
        verdict = "on time" if outcome.on_time else f"{outcome.working_days_late} working day(s) late"
        await self._history(session, row["deadline_id"], "met", f"met on {met_on.isoformat()}, {verdict}")
        await self.runtime.outbox.add(session, DeadlineMet(
            **self._identity(row), met_on=met_on, on_time=outcome.on_time,
            working_days_late=outcome.working_days_late, target_met=outcome.target_met,
            outside_window=outcome.outside_window), occurred_at=now,
            correlation_id=env.correlation_id if env else None, causation_id=env.event_id if env else None)

    @staticmethod
    def _identity(row) -> dict:
        return dict(deadline_id=row["deadline_id"], key=row["key"], case_id=row["case_id"],
                    audit_id=row["audit_id"], agency=row["agency"] or None, due=row["due"],
                    who_agency=row["who_agency"], who_role=row["who_role"])

    async def _start_from(self, session: AsyncSession, occ: dict, anchor_name: str, agency: str | None,
                          on: date, env: Envelope | None) -> None:
        ids = {"case_id": occ["occasion"][5:]} if occ["occasion"].startswith("case:") else {
            "audit_id": occ["occasion"][6:]}
        known = {k: date.fromisoformat(v) for k, v in occ["anchors"].items() if "@" not in k and k in self.rules.anchors}
        known[anchor_name] = on
        for rule in self._rules_of(occ["process"]):
            if rule.anchor != anchor_name:
                continue
            if rule.per_agency:
                agencies = [agency] if agency else list(occ["involved_agencies"])
                for each in agencies:
                    await self.start_clock(session, ClockStart(rule.key, known, agency=each), env=env, **ids)
            else:
                await self.start_clock(session, ClockStart(rule.key, known), env=env, **ids)

    async def _move(self, session: AsyncSession, occ: dict, anchor_name: str, agency: str | None, on: date,
                    reason: str, env: Envelope | None) -> None:
        query = select(deadlines).where(deadlines.c.occasion == occ["occasion"],
                                        deadlines.c.anchor_name == anchor_name,
                                        deadlines.c.status.in_(OPEN_STATUSES))
        if agency:
            query = query.where(deadlines.c.agency == agency)
        for row in (await session.execute(query)).mappings().all():
            due = self.rules.due_for(row["key"], {anchor_name: on}, self.calendar)
            await self._reschedule(session, row, due.due.date, f"Moved: {reason}. {due.explanation}", reason,
                                   env, window_start=due.window_start.date if due.window_start else None)

    async def _reschedule(self, session: AsyncSession, row, new_due: date, explanation: str, reason: str,
                          env: Envelope | None, *, change: str = "moved", by: str | None = None,
                          window_start: date | None = None) -> None:
        transition = next_transition("pending", new_due, 0, self.calendar, self.policy)
        now = self.runtime.clock.now()
        await session.execute(update(deadlines).where(deadlines.c.deadline_id == row["deadline_id"]).values(
            due=new_due, window_start=window_start if window_start else row["window_start"], status="pending",
            escalations=0, next_transition_at=transition.at if transition else None, explanation=explanation,
            paused_on=None, status_reason=reason, changed_by=by, updated_at=now))
        await self._history(session, row["deadline_id"], change, explanation)
        await self.runtime.outbox.add(session, DeadlineChanged(
            **{**self._identity(row), "due": new_due}, change=change, status="pending", previous_due=row["due"],
            reason=reason, by=by), occurred_at=now,
            correlation_id=env.correlation_id if env else None, causation_id=env.event_id if env else None)

    # --- the business unit's commands --------------------------------------------------------------
    async def pause(self, deadline_id: str, *, reason: str, by: str) -> dict:
        async with self.runtime.sessions() as session, session.begin():
            row = await self._locked(session, deadline_id)
            if row["status"] not in OPEN_STATUSES:
                raise Conflict(f"a {row['status']} deadline cannot be paused")
            await self._pause_row(session, row, reason=reason, by=by, env=None)
        self.runtime.relay.wake()
        return await self.one(deadline_id)

    async def _pause_row(self, session: AsyncSession, row, *, reason: str, by: str | None,
                         env: Envelope | None) -> None:
        today = self.runtime.clock.today()
        now = self.runtime.clock.now()
        await session.execute(update(deadlines).where(deadlines.c.deadline_id == row["deadline_id"]).values(
            status="paused", paused_on=today, next_transition_at=None, status_reason=reason, changed_by=by,
            updated_at=now))
        await self._history(session, row["deadline_id"], "paused", f"paused on {today.isoformat()}: {reason}")
        await self.runtime.outbox.add(session, DeadlineChanged(
            **self._identity(row), change="paused", status="paused", reason=reason, by=by), occurred_at=now,
            correlation_id=env.correlation_id if env else None, causation_id=env.event_id if env else None)

    async def resume(self, deadline_id: str, *, by: str, reason: str | None = None) -> dict:
        """The clock stood still while paused: the due date moves by the working days it was paused."""
        async with self.runtime.sessions() as session, session.begin():
            row = await self._locked(session, deadline_id)
            if row["status"] != "paused":
                raise Conflict(f"only a paused deadline can be resumed; this one is {row['status']}")
            await self._resume_row(session, row, by=by, reason=reason, env=None)
        self.runtime.relay.wake()
        return await self.one(deadline_id)

    async def _resume_row(self, session: AsyncSession, row, *, by: str | None, reason: str | None,
                          env: Envelope | None) -> None:
        today = self.runtime.clock.today()
        paused_days = max(0, working_days_between(self.calendar, row["paused_on"], today))
        new_due = self.calendar.add_working_days(row["due"], paused_days).date if paused_days else row["due"]
        why = (f"paused from {row['paused_on'].isoformat()} ({row['status_reason']}) to {today.isoformat()}: "
               f"{paused_days} working day(s) added")
        explanation = (f"{row['key']} is due by {new_due.isoformat()}: was due {row['due'].isoformat()}, "
                       f"{why}. {reason or ''}".strip())
        await self._reschedule(session, row, new_due, explanation, why, env, change="resumed", by=by)

    async def on_delay(self, session: AsyncSession, case_id: str, change: str, reason: str,
                       env: Envelope) -> None:
        """A SAR delayed (e.g. parallel court proceedings) stops its clocks; resumed, they move on."""
        wanted = OPEN_STATUSES if change == "delayed" else ("paused",)
        query = select(deadlines).where(deadlines.c.case_id == case_id, deadlines.c.status.in_(wanted))
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in (await session.execute(query)).mappings().all():
            if row["key"] == DELAY_UPDATE:
                continue
            if change == "delayed":
                await self._pause_row(session, row, reason=reason, by=None, env=env)
            else:
                await self._resume_row(session, row, by=None, reason=reason, env=env)
        if change == "delayed":
            # While delayed, the adult or advocate is updated at the partnership's interval.
            await self.record_fact(session, f"case:{case_id}", fact="sar_delayed", on=self.runtime.clock.today(),
                                   agency=None, anchor="delayed_on", reason=reason, env=env)
        else:
            open_updates = (await session.execute(select(deadlines).where(
                deadlines.c.case_id == case_id, deadlines.c.key == DELAY_UPDATE,
                deadlines.c.status.in_(OPEN_STATUSES)))).mappings().all()
            now = self.runtime.clock.now()
            for row in open_updates:
                await session.execute(update(deadlines).where(deadlines.c.deadline_id == row["deadline_id"]).values(
                    status="waived", next_transition_at=None, status_reason="the delay ended", updated_at=now))
                await self._history(session, row["deadline_id"], "waived", "the delay ended")
                await self.runtime.outbox.add(session, DeadlineChanged(
                    **self._identity(row), change="waived", status="waived", reason="the delay ended"),
                    occurred_at=now, correlation_id=env.correlation_id, causation_id=env.event_id)

    async def waive(self, deadline_id: str, *, reason: str, by: str) -> dict:
        async with self.runtime.sessions() as session, session.begin():
            row = await self._locked(session, deadline_id)
            if row["status"] not in OPEN_STATUSES + ("paused",):
                raise Conflict(f"a {row['status']} deadline cannot be waived")
            now = self.runtime.clock.now()
            await session.execute(update(deadlines).where(deadlines.c.deadline_id == deadline_id).values(
                status="waived", next_transition_at=None, status_reason=reason, changed_by=by, updated_at=now))
            await self._history(session, deadline_id, "waived", f"waived by {by}: {reason}")
            await self.runtime.outbox.add(session, DeadlineChanged(
                **self._identity(row), change="waived", status="waived", reason=reason, by=by), occurred_at=now)
        self.runtime.relay.wake()
        return await self.one(deadline_id)

    async def _locked(self, session: AsyncSession, deadline_id: str):
        query = select(deadlines).where(deadlines.c.deadline_id == deadline_id)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await session.execute(query)).mappings().first()
        if row is None:
            raise NotFound("no deadline with that deadline_id")
        return row

    async def one(self, deadline_id: str) -> dict:
        from .queries import deadline_out

        async with self.runtime.sessions() as session:
            row = (await session.execute(select(deadlines).where(deadlines.c.deadline_id == deadline_id))).mappings().first()
            if row is None:
                raise NotFound("no deadline with that deadline_id")
            history = (await session.execute(select(deadline_history).where(
                deadline_history.c.deadline_id == deadline_id).order_by(deadline_history.c.id))).mappings().all()
        out = deadline_out(row)
        out["history"] = [{"at": h["at"], "change": h["change"], "detail": h["detail"]} for h in history]
        return out


def add_working_days(calendar: WorkingDayCalendar, start: date, days: int) -> dict:
    result = calendar.add_working_days(start, days)
    return {"start": start, "days": days, "date": result.date,
            "skipped": [{"date": s.date, "reason": s.reason} for s in result.skipped],
            "explanation": result.explanation}

