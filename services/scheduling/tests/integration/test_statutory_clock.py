"""The statutory clock on a real store (SQLite and PostgreSQL): deadlines started by a referral,
met by what happens on the case, moved when an anchor moves, paused for court proceedings, and
fired by a durable timer that survives restarts and never fires twice — even with two schedulers.

The ticker and the event handlers run on the service's own database, each in a unit of work; the
events they owe are read back from its outbox (the relay that publishes them is proved in
shared/tests/integration).
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import func, select

from safeguard_shared.bus.dispatch import EventDispatcher
from safeguard_shared.clock import ManualClock
from safeguard_shared.contracts import Envelope
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import (
    CaseOpened,
    MilestoneReached,
    RapidReviewDecided,
    SarDecided,
    SarScreened,
)
from safeguard_shared.service import ServiceRuntime
from scheduling.adapters import orm
from scheduling.application import commands, queries, ticker
from scheduling.application.event_handlers import EVENT_HANDLERS, bind
from scheduling.application.timekeeping import Conflict, Timekeeping
from scheduling.bootstrap import MIGRATIONS
from scheduling.config import load_settings
from scheduling.domain.deadlines import LONDON, ReminderPolicy, start_of_day
from scheduling.domain.rules_file import load_rules

CASE = "5a1f0c3e-0000-4000-8000-000000000001"


def at(day: str, hour: int = 9) -> datetime:
    """An instant in London on a business day."""
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=LONDON).astimezone(UTC)


@dataclass
class Scheduler:
    """The service's use cases on one store, as bootstrap wires them (without broker or relay)."""

    runtime: ServiceRuntime
    tk: Timekeeping

    @property
    def calendar(self):
        return self.tk.calendar

    @property
    def dispatch(self) -> EventDispatcher:
        return EventDispatcher(bind(self.tk, EVENT_HANDLERS), self.runtime.outbox, self.runtime.clock)

    async def _command(self, use_case, command) -> dict:
        async with self.runtime.unit_of_work() as uow:
            await use_case(command, uow, self.tk)
        async with self.runtime.unit_of_work() as uow:
            return await queries.one_deadline(uow, command.deadline_id)

    async def pause(self, deadline_id: str, *, reason: str, by: str) -> dict:
        return await self._command(commands.pause, commands.PauseDeadline(deadline_id, reason=reason, by=by))

    async def resume(self, deadline_id: str, *, by: str, reason: str | None = None) -> dict:
        return await self._command(commands.resume, commands.ResumeDeadline(deadline_id, by=by, reason=reason))

    async def waive(self, deadline_id: str, *, reason: str, by: str) -> dict:
        return await self._command(commands.waive, commands.WaiveDeadline(deadline_id, reason=reason, by=by))


async def make_scheduler(db_url: str, clock: ManualClock, tmp_path) -> Scheduler:
    settings = load_settings(database_url=db_url, data_dir=tmp_path, nats_url="nats://127.0.0.1:1")
    runtime = ServiceRuntime(settings, outbox_table=orm.outbox, inbox_table=orm.inbox, migrations=MIGRATIONS,
                             clock=clock)
    await runtime.migrate()
    rules = load_rules()
    return Scheduler(runtime, Timekeeping(rules, rules.calendar(), ReminderPolicy(lead_working_days=2,
                                                                                  escalate_every_working_days=2)))


async def tick(scheduler: Scheduler) -> int:
    async with scheduler.runtime.unit_of_work() as uow:
        return await ticker.tick(uow, scheduler.tk)


async def list_deadlines(runtime: ServiceRuntime, **criteria) -> list[dict]:
    async with runtime.unit_of_work() as uow:
        return await queries.list_deadlines(uow, **criteria)


async def due_this_week(runtime: ServiceRuntime, **criteria) -> dict:
    async with runtime.unit_of_work() as uow:
        return await queries.due_this_week(uow, **criteria)


def envelope(event, clock: ManualClock) -> Envelope:
    return event.envelope(producer="referrals", occurred_at=clock.now())


async def deliver(scheduler: Scheduler, env: Envelope) -> None:
    await scheduler.runtime.inbox.handle_once("scheduling", env, scheduler.dispatch)


async def owed_events(scheduler: Scheduler, event_type: str | None = None) -> list[dict]:
    async with scheduler.runtime.sessions() as session:
        rows = (await session.execute(select(orm.outbox.c.body).order_by(orm.outbox.c.seq))).scalars().all()
    events = [json.loads(b) for b in rows]
    return [e for e in events if event_type is None or e["event_type"] == event_type]


def serious_incident(received: str = "2026-12-21", aware: str = "2026-12-21") -> CaseOpened:
    return CaseOpened(case_id=CASE, case_ref="RR-2026-5A1F0C", pathway="child", referring_agency="police",
                      received_on=date.fromisoformat(received), became_aware_on=date.fromisoformat(aware),
                      involved_agencies=["local_authority", "police", "icb"], serious_incident=True,
                      rapid_review=True, notices_owed=["national_panel"])


@pytest.fixture
async def clock_and_scheduler(databases, tmp_path):
    clock = ManualClock(at("2026-12-21"))
    scheduler = await make_scheduler(await databases.anew("scheduling"), clock, tmp_path)
    yield clock, scheduler
    await scheduler.runtime.engine.dispose()


async def by_key(scheduler: Scheduler) -> dict[str, dict]:
    rows = await list_deadlines(scheduler.runtime, case_id=CASE, audit_id=None, agency=None)
    return {(r["key"] + (f"@{r['agency']}" if r.get("agency") else "")): r for r in rows}


async def test_a_serious_incident_starts_the_rapid_review_clocks(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    deadlines = await by_key(scheduler)
    assert set(deadlines) == {"rr.panel_notified", "rr.scoping_sent", "rr.meeting", "rr.complete"}
    # Received Monday 21 December 2026. Scoping: 2 working days → Wednesday 23rd.
    assert deadlines["rr.scoping_sent"]["due"] == date(2026, 12, 23)
    # Meeting window: 7 to 13 working days after receipt. Working days after the 21st: 22, 23, 24,
    # 29, 30, 31 Dec (25th Christmas, 28th Boxing Day substitute), 4 Jan (1st New Year) = 7th → 4 Jan;
    # then 5, 6, 7, 8, 11, 12 Jan = 13th → 12 January.
    assert deadlines["rr.meeting"]["window_start"] == date(2027, 1, 4)
    assert deadlines["rr.meeting"]["due"] == date(2027, 1, 12)
    assert deadlines["rr.complete"]["due"] == date(2027, 1, 14)
    assert len(await owed_events(scheduler, "scheduling.deadline.scheduled")) == 4


async def test_a_case_starts_its_four_clocks_in_one_statement_and_again_in_none(clock_and_scheduler):
    """The four deadlines a serious incident starts are written in one statement, not four; the same
    case opening again (a new event id: past the inbox) starts none, owes no event and leaves no history."""
    clock, scheduler = clock_and_scheduler
    written: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO deadlines "):
            written.append(len(parameters) if executemany else 1)

    sql_event.listen(scheduler.runtime.engine.sync_engine, "before_cursor_execute", count)
    await deliver(scheduler, envelope(serious_incident(), clock))
    assert len(written) == 1 and len(await by_key(scheduler)) == 4, written

    await deliver(scheduler, envelope(serious_incident(), clock))
    assert len(await by_key(scheduler)) == 4
    assert len(await owed_events(scheduler, "scheduling.deadline.scheduled")) == 4
    async with scheduler.runtime.sessions() as session:
        history = (await session.execute(select(func.count()).select_from(orm.deadline_history))).scalar_one()
    assert history == 4, "one line of history for each clock started, none for the second opening"


async def test_scoping_sent_to_every_agency_meets_the_deadline_and_starts_each_agency_return(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    for agency, day in (("local_authority", "2026-12-22"), ("police", "2026-12-22"), ("icb", "2026-12-24")):
        await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="scoping_sent",
                                                           on=date.fromisoformat(day), agency=agency), clock))
    deadlines = await by_key(scheduler)
    # The last agency had it on Thursday 24th: one working day after the 2-day limit (23rd).
    assert deadlines["rr.scoping_sent"]["status"] == "met"
    assert deadlines["rr.scoping_sent"]["met_on"] == date(2026, 12, 24)
    assert deadlines["rr.scoping_sent"]["on_time"] is False
    assert deadlines["rr.scoping_sent"]["working_days_late"] == 1
    # Each agency's own return: 5 working days after its template was sent.
    assert deadlines["rr.scoping_returned@police"]["due"] == date(2026, 12, 31)  # 23, 24, 29, 30, 31
    # From Thursday 24th: 29, 30, 31 Dec, 4, 5 Jan (New Year's Day and a weekend between) → Tuesday 5 January.
    assert deadlines["rr.scoping_returned@icb"]["due"] == date(2027, 1, 5)
    met = await owed_events(scheduler, "scheduling.deadline.met")
    assert [m["payload"]["key"] for m in met] == ["rr.scoping_sent"]


async def test_a_police_user_sees_only_the_deadlines_the_police_must_meet(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="scoping_sent", on=date(2026, 12, 22)),
                                      clock))
    mine = await list_deadlines(scheduler.runtime, case_id=CASE, audit_id=None, agency="police")
    assert {d["key"] for d in mine} == {"rr.scoping_returned"}
    assert {d["agency"] for d in mine} == {"police"}


async def test_the_timer_fires_each_transition_once_after_downtime_and_never_early(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    # rr.scoping_sent is due Wednesday 23rd; the reminder (2 working days before) is due Monday 21st.
    clock.set(start_of_day(date(2026, 12, 23)))  # midnight starting the due day: not yet missed
    await tick(scheduler)
    soon = {e["payload"]["key"] for e in await owed_events(scheduler, "scheduling.deadline.due_soon")}
    assert "rr.scoping_sent" in soon
    assert not await owed_events(scheduler, "scheduling.deadline.missed"), "nothing is missed before its day ends"

    # The service is down from the 23rd until Friday 8 January. On restart (a new scheduler on the
    # same database) every transition that fell due fires, once, in order.
    restarted = await make_scheduler(str(scheduler.runtime.engine.url.render_as_string(hide_password=False)),
                                     clock, scheduler.runtime.settings.data_dir)
    clock.set(at("2027-01-08", 10))
    fired = await tick(restarted)
    assert fired > 0
    assert await tick(restarted) == 0, "a second tick at the same instant fires nothing"
    missed = [e for e in await owed_events(restarted, "scheduling.deadline.missed")
              if e["payload"]["key"] == "rr.scoping_sent"]
    assert len(missed) == 1
    escalations = [e["payload"] for e in await owed_events(restarted, "scheduling.deadline.escalated")
                   if e["payload"]["key"] == "rr.scoping_sent"]
    # Due 23 Dec; working days after it: 24, 29, 30, 31 Dec, 4, 5, 6, 7, 8 Jan — 9 by Friday the 8th.
    # Escalations every 2 working days: 29 Dec, 31 Dec, 5 Jan, 7 Jan — four have fallen due, caught
    # up as ONE escalation carrying the count, never a backlog of four chasers.
    assert [e["escalation"] for e in escalations] == [4]
    assert [e["working_days_overdue"] for e in escalations] == [9]
    assert (await by_key(restarted))["rr.scoping_sent"]["status"] == "overdue"
    await restarted.runtime.engine.dispose()


@pytest.mark.postgres
async def test_two_schedulers_on_one_postgresql_database_never_fire_the_same_transition_twice(databases, tmp_path):
    if databases.kind != "postgresql":
        pytest.skip("replicas share a PostgreSQL database; SQLite is the single-node embedded default")
    clock = ManualClock(at("2026-12-21"))
    url = await databases.anew("scheduling")
    first = await make_scheduler(url, clock, tmp_path)
    second = await make_scheduler(url, clock, tmp_path)
    for n in range(40):
        case = serious_incident()
        case = case.model_copy(update={"case_id": f"5a1f0c3e-0000-4000-8000-{n:012d}"})
        await first.runtime.inbox.handle_once("scheduling", envelope(case, clock), first.dispatch)
    clock.set(at("2027-01-20", 10))
    counts = await asyncio.gather(*(tick(s) for s in (first, second, first, second)))
    while sum(await asyncio.gather(tick(first), tick(second))):
        pass
    events = await owed_events(first)
    transitions = [e for e in events if e["event_type"] in (
        "scheduling.deadline.due_soon", "scheduling.deadline.missed", "scheduling.deadline.escalated")]
    keys = [(e["payload"]["deadline_id"], e["event_type"], e["payload"].get("escalation")) for e in transitions]
    assert len(keys) == len(set(keys)), "no transition fired twice"
    assert sum(counts) > 0
    missed = [k for k in keys if k[1] == "scheduling.deadline.missed"]
    assert len(missed) == 40 * 4, "every case's four deadlines were missed exactly once"
    for s in (first, second):
        await s.runtime.engine.dispose()


async def test_a_rescheduled_meeting_moves_the_outcome_deadline_and_says_why(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="meeting_held", on=date(2027, 1, 5)), clock))
    deadlines = await by_key(scheduler)
    assert deadlines["rr.meeting"]["status"] == "met" and deadlines["rr.meeting"]["on_time"] is True
    assert deadlines["rr.outcome_sent"]["due"] == date(2027, 1, 7)
    # The meeting date was recorded wrongly: it was held on the 6th.
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="meeting_held", on=date(2027, 1, 6),
                                                       reason="meeting date corrected by the business unit"), clock))
    moved = (await by_key(scheduler))["rr.outcome_sent"]
    assert moved["due"] == date(2027, 1, 8)
    assert "meeting date corrected by the business unit" in moved["explanation"]
    [change] = await owed_events(scheduler, "scheduling.deadline.changed")
    assert change["payload"]["previous_due"] == "2027-01-07" and change["payload"]["change"] == "moved"


async def test_a_pause_for_court_proceedings_stops_the_clock_and_resuming_moves_the_date(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    complete = (await by_key(scheduler))["rr.complete"]
    paused = await scheduler.pause(complete["deadline_id"], reason="parallel court proceedings", by="bu-1")
    assert paused["status"] == "paused" and paused["status_reason"] == "parallel court proceedings"
    clock.set(at("2027-01-20"))
    assert await tick(scheduler) >= 0
    assert (await by_key(scheduler))["rr.complete"]["status"] == "paused", "a paused clock never goes overdue"
    # Paused Monday 21 Dec, resumed Wednesday 20 Jan: 19 working days stood still.
    resumed = await scheduler.resume(complete["deadline_id"], by="bu-1")
    assert resumed["status"] == "pending"
    assert resumed["due"] == scheduler.calendar.add_working_days(date(2027, 1, 14), 19).date
    assert "19 working day(s) added" in resumed["explanation"]
    assert [h["change"] for h in resumed["history"]] == ["scheduled", "paused", "resumed"]
    with pytest.raises(Conflict):
        await scheduler.resume(complete["deadline_id"], by="bu-1")


async def test_a_waived_deadline_records_why_and_who_and_never_fires(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    panel = (await by_key(scheduler))["rr.panel_notified"]
    waived = await scheduler.waive(panel["deadline_id"], reason="the Panel was notified by another area", by="bu-2")
    assert waived["status"] == "waived"
    clock.set(at("2027-02-01"))
    await tick(scheduler)
    keys = {e["payload"]["key"] for e in await owed_events(scheduler, "scheduling.deadline.missed")}
    assert "rr.panel_notified" not in keys


async def test_the_business_unit_sees_what_is_due_this_week_and_what_is_overdue(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    clock.set(at("2026-12-29"))  # Tuesday after Christmas
    await tick(scheduler)
    week = await due_this_week(scheduler.runtime, agency=None, today=date(2026, 12, 29))
    assert week["week_start"] == date(2026, 12, 28) and week["week_end"] == date(2027, 1, 3)
    assert [d["key"] for d in week["due"]] == ["rr.panel_notified"]  # due Wednesday 30 December
    assert [d["key"] for d in week["overdue"]] == ["rr.scoping_sent"]


async def test_an_audit_is_planned_backward_from_the_qa_sub_group_meeting(clock_and_scheduler):
    from safeguard_shared.contracts.audits import AuditMilestoneReached, AuditPlanned

    clock, scheduler = clock_and_scheduler
    audit_id = "a0d17000-0000-4000-8000-000000000001"

    async def deliver_audit(event) -> None:
        env = event.envelope(producer="audits", occurred_at=clock.now())
        await scheduler.runtime.inbox.handle_once("scheduling", env, scheduler.dispatch)

    await deliver_audit(AuditPlanned(audit_id=audit_id, theme="Neglect", kind="children",
                                     qa_meeting_on=date(2027, 3, 10)))
    rows = await list_deadlines(scheduler.runtime, case_id=None, audit_id=audit_id, agency=None)
    due = {r["key"]: r["due"] for r in rows}
    # QA sub-group Wednesday 10 March 2027: the audit 4 weeks before (10 Feb); scope agreed 7 weeks
    # before the audit (23 Dec 2026); cases sampled 6 weeks before (30 Dec); template 5 weeks before
    # (6 Jan 2027); programme 1 week before (3 Feb); report at the meeting itself.
    assert due == {"macfa.audit_date": date(2027, 2, 10), "macfa.scope_agreed": date(2026, 12, 23),
                   "macfa.cases_sampled": date(2026, 12, 30), "macfa.template_sent": date(2027, 1, 6),
                   "macfa.programme_sent": date(2027, 2, 3), "macfa.report": date(2027, 3, 10)}
    await deliver_audit(AuditMilestoneReached(audit_id=audit_id, fact="scope_agreed", on=date(2026, 12, 22)))
    met = {r["key"]: r for r in await list_deadlines(scheduler.runtime, case_id=None, audit_id=audit_id, agency=None)}
    assert met["macfa.scope_agreed"]["status"] == "met" and met["macfa.scope_agreed"]["on_time"] is True


async def test_core_training_starts_the_follow_up_and_manager_survey_clocks(clock_and_scheduler):
    from safeguard_shared.contracts.audits import TrainingCompleted, TrainingSurveySent

    clock, scheduler = clock_and_scheduler
    completion = "7a1e0000-0000-4000-8000-000000000001"
    for event in (TrainingCompleted(completion_id=completion, agency="school", course="core",
                                    training_completed_on=date(2027, 1, 15)),
                  TrainingSurveySent(survey_id="s1", completion_id=completion, survey="follow_up",
                                     fact="follow_up_survey_sent", agency="school", course="core",
                                     sent_on=date(2027, 4, 14))):
        env = event.envelope(producer="audits", occurred_at=clock.now())
        await scheduler.runtime.inbox.handle_once("scheduling", env, scheduler.dispatch)
    rows = {r["key"]: r for r in await list_deadlines(scheduler.runtime, case_id=None, completion_id=completion,
                                                      agency=None)}
    # Completed Friday 15 January 2027: follow-up 3 months later (Thursday 15 April), manager survey
    # 4 months later (Saturday 15 May → Friday 14 May, the preceding working day).
    assert rows["training.follow_up"]["due"] == date(2027, 4, 15)
    assert rows["training.follow_up"]["status"] == "met" and rows["training.follow_up"]["on_time"] is True
    assert rows["training.manager_survey"]["due"] == date(2027, 5, 14)


async def test_completions_recorded_after_their_survey_day_start_closed_and_never_go_overdue(clock_and_scheduler):
    """An import of old completions (issue 13): a survey whose day has already passed when its clock
    starts is closed with the reason — no missed deadline, no overdue message per completion — while
    a survey still to come runs as usual."""
    from safeguard_shared.contracts.audits import TrainingCompleted

    clock, scheduler = clock_and_scheduler  # Monday 21 December 2026
    old, recent = "7a1e0000-0000-4000-8000-0000000000a1", "7a1e0000-0000-4000-8000-0000000000a2"
    for completion, on in ((old, date(2026, 3, 2)), (recent, date(2026, 8, 25))):
        event = TrainingCompleted(completion_id=completion, agency="police", course="core", training_completed_on=on)
        await deliver(scheduler, event.envelope(producer="audits", occurred_at=clock.now()))

    async def rows(completion: str) -> dict[str, dict]:
        return {r["key"]: r for r in await list_deadlines(scheduler.runtime, case_id=None, completion_id=completion,
                                                          agency=None)}

    old_rows, recent_rows = await rows(old), await rows(recent)
    assert {k: r["status"] for k, r in old_rows.items()} == {"training.follow_up": "closed",
                                                             "training.manager_survey": "closed"}
    assert "recorded after the survey's day had passed" in old_rows["training.follow_up"]["explanation"]
    # Completed 25 August: the follow-up was due on 25 November (passed), the manager's on 24 December.
    assert (recent_rows["training.follow_up"]["status"], recent_rows["training.manager_survey"]["status"]) == (
        "closed", "pending")
    scheduled = [e["payload"] for e in await owed_events(scheduler, "scheduling.deadline.scheduled")]
    assert sorted((e["completion_id"] == old, e["key"], e["status"]) for e in scheduled) == [
        (False, "training.follow_up", "closed"), (False, "training.manager_survey", "pending"),
        (True, "training.follow_up", "closed"), (True, "training.manager_survey", "closed")]
    clock.set(at("2027-02-01"))
    await tick(scheduler)
    missed = [e["payload"]["completion_id"] for e in await owed_events(scheduler, "scheduling.deadline.missed")]
    assert missed == [recent], "only the survey that went overdue after it was recorded"


async def test_training_clocks_carry_the_completion_id_and_every_deadline_event_the_duty_in_words(databases,
                                                                                                    tmp_path):
    from safeguard_shared.contracts.audits import TrainingCompleted, TrainingSurveySent

    local = tmp_path / "local-timescales.yaml"
    local.write_text("version: 1\nrules:\n  training.manager_survey:\n    what: the team-impact survey goes to the "
                     "trainee's manager\n", encoding="utf-8")
    clock = ManualClock(at("2027-01-15"))
    scheduler = await make_scheduler(await databases.anew("scheduling"), clock, tmp_path)
    rules = load_rules(override_path=local)
    scheduler.tk = Timekeeping(rules, rules.calendar(), scheduler.tk.policy)
    completion = "7a1e0000-0000-4000-8000-000000000002"
    try:
        for event in (TrainingCompleted(completion_id=completion, agency="school", course="core",
                                        training_completed_on=date(2027, 1, 15)),
                      TrainingSurveySent(survey_id="s2", completion_id=completion, survey="follow_up",
                                         fact="follow_up_survey_sent", agency="school", course="core",
                                         sent_on=date(2027, 4, 14))):
            await scheduler.runtime.inbox.handle_once(
                "scheduling", event.envelope(producer="audits", occurred_at=clock.now()), scheduler.dispatch)
        events = [e for e in await owed_events(scheduler) if e["event_type"].startswith("scheduling.deadline.")]
        assert {e["event_type"] for e in events} == {"scheduling.deadline.scheduled", "scheduling.deadline.met"}
        for e in events:
            assert e["payload"]["completion_id"] == completion and e["payload"]["audit_id"] is None
            assert e["payload"]["description"] == rules.get(e["payload"]["key"]).what
        [survey] = [e["payload"] for e in events if e["payload"]["key"] == "training.manager_survey"]
        assert survey["description"] == "the team-impact survey goes to the trainee's manager", "the local wording"
        # Listed by the completion's id; an audit id finds nothing of it.
        assert {d["key"] for d in await list_deadlines(scheduler.runtime, completion_id=completion)} == {
            "training.follow_up", "training.manager_survey"}
        assert await list_deadlines(scheduler.runtime, audit_id=completion) == []
    finally:
        await scheduler.runtime.engine.dispose()


async def test_the_timer_s_events_say_what_the_duty_is(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    clock.set(at("2027-01-08", 10))
    assert await tick(scheduler) > 0
    fired = [e["payload"] for e in await owed_events(scheduler) if e["event_type"] in (
        "scheduling.deadline.due_soon", "scheduling.deadline.missed", "scheduling.deadline.escalated")]
    assert fired and all(p["description"] == scheduler.tk.rules.get(p["key"]).what for p in fired)
    assert all(p["case_id"] == CASE and p["completion_id"] is None for p in fired)


async def test_a_deadline_met_while_the_timer_is_firing_stays_met(clock_and_scheduler, monkeypatch):
    """The business unit records the scoping as sent at the very moment the timer finds the deadline
    overdue: the fact must not be overwritten by the timer's stale "overdue" (it was, on SQLite, whose
    driver begins a transaction only at the first write). The timer's read is paused until the fact
    is on its way to the store."""
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    clock.set(at("2026-12-29", 10))  # rr.scoping_sent (due 23rd) is past: the timer will fire "missed"
    from scheduling.adapters import store

    read_due = store.transitions_due
    fact: asyncio.Task | None = None

    async def read_then_let_the_fact_in(session, now, limit):
        nonlocal fact
        rows = await read_due(session, now, limit)
        fact = asyncio.create_task(deliver(scheduler, envelope(MilestoneReached(
            case_id=CASE, fact="scoping_sent", on=date(2026, 12, 24)), clock)))
        # Give the fact every chance to commit before the timer writes (it cannot, once the timer holds
        # the store; then it waits its turn).
        await asyncio.wait({fact}, timeout=1.0)
        return rows

    monkeypatch.setattr(store, "transitions_due", read_then_let_the_fact_in)
    await tick(scheduler)
    assert fact is not None
    await asyncio.wait_for(fact, timeout=30)
    monkeypatch.setattr(store, "transitions_due", read_due)
    scoping = (await by_key(scheduler))["rr.scoping_sent"]
    assert scoping["status"] == "met"
    assert scoping["met_on"] == date(2026, 12, 24)


# --- a fact that arrives before its case (issue 14) -------------------------------------------------
def panel_notice_sent(sent_on: date, *, template: str = "serious_incident_notification",
                      recipient_kind: str = "national_panel", case_id: str = CASE) -> NotificationSent:
    return NotificationSent(notification_id=f"n-{template}-{recipient_kind}", case_id=case_id,
                            recipient_kind=recipient_kind, template=template, channel="outbox", sent_on=sent_on)


def notification_envelope(event, clock: ManualClock) -> Envelope:
    return event.envelope(producer="notifications", occurred_at=clock.now())


async def test_a_fact_that_arrives_before_its_case_is_kept_and_meets_the_deadline_when_the_case_opens(
        clock_and_scheduler):
    """Scheduling crashed holding the case.opened; the Panel's notice (sent on the 22nd) and the first
    scoping template reach the clock first. Neither is refused: both are kept against the case and
    applied, on their own dates, in the transaction that opens it."""
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, notification_envelope(panel_notice_sent(date(2026, 12, 22)), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="scoping_sent", on=date(2026, 12, 22),
                                                       agency="police"), clock))
    assert await by_key(scheduler) == {}, "no clock runs before the case opens"

    clock.set(at("2026-12-24"))  # the case.opened is redelivered two days later
    await deliver(scheduler, envelope(serious_incident(), clock))

    deadlines = await by_key(scheduler)
    panel = deadlines["rr.panel_notified"]
    assert panel["status"] == "met" and panel["met_on"] == date(2026, 12, 22) and panel["on_time"] is True
    # The scoping template that went to the police on the 22nd starts the police's own return clock.
    assert deadlines["rr.scoping_returned@police"]["due"] == date(2026, 12, 31)
    assert deadlines["rr.scoping_sent"]["status"] == "pending", "the other agencies have not had it yet"
    history = (await list_deadline_history(scheduler, panel["deadline_id"]))
    assert [h["change"] for h in history] == ["scheduled", "met"]
    async with scheduler.runtime.sessions() as session:
        assert (await session.execute(select(orm.early_facts))).all() == [], "applied, so no longer pending"
    # Delivered again (a second case.opened), nothing is applied twice.
    await deliver(scheduler, envelope(serious_incident(), clock))
    assert len(await owed_events(scheduler, "scheduling.deadline.met")) == 1


async def list_deadline_history(scheduler: Scheduler, deadline_id: str) -> list[dict]:
    async with scheduler.runtime.unit_of_work() as uow:
        return (await queries.one_deadline(uow, deadline_id))["history"]


# --- an ended pathway closes the clocks that hang on it (issue 13) -----------------------------------
ADULT = "5a1f0c3e-0000-4000-8000-0000000000ad"


def sar_referral(received: str = "2027-01-04") -> CaseOpened:
    return CaseOpened(case_id=ADULT, case_ref="SAR-2027-5A1F0C", pathway="adult", referring_agency="police",
                      received_on=date.fromisoformat(received), involved_agencies=["local_authority", "police"])


async def adult_deadlines(scheduler: Scheduler) -> dict[str, dict]:
    rows = await list_deadlines(scheduler.runtime, case_id=ADULT)
    return {(r["key"] + (f"@{r['agency']}" if r.get("agency") else "")): r for r in rows}


async def transitions_fired(scheduler: Scheduler, deadline_ids: set[str]) -> list[str]:
    kinds = ("scheduling.deadline.due_soon", "scheduling.deadline.missed", "scheduling.deadline.escalated")
    return [e["event_type"] for e in await owed_events(scheduler)
            if e["event_type"] in kinds and e["payload"]["deadline_id"] in deadline_ids]


async def test_a_sar_screened_out_closes_the_decision_clock_with_the_reason_and_it_never_fires(
        clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    clock.set(at("2027-01-04"))
    await deliver(scheduler, envelope(sar_referral(), clock))
    clock.set(at("2027-01-11"))
    await deliver(scheduler, envelope(SarScreened(case_id=ADULT, case_ref="SAR-2027-5A1F0C", referring_agency="police",
                                                  outcome="not_proceeding"), clock))
    decision = (await adult_deadlines(scheduler))["sar.decision"]
    assert decision["status"] == "closed", "a screened-out SAR decides nothing: the clock closes, not misses"
    assert "screened out" in decision["explanation"] and "2027-01-11" in decision["explanation"]
    assert "screened out" in decision["status_reason"]
    history = await list_deadline_history(scheduler, decision["deadline_id"])
    assert [h["change"] for h in history] == ["scheduled", "closed"] and "screened out" in history[-1]["detail"]
    [closed] = await owed_events(scheduler, "scheduling.deadline.changed")
    assert closed["payload"]["change"] == "closed" and closed["payload"]["status"] == "closed"
    assert "screened out" in closed["payload"]["reason"]
    clock.set(at("2027-06-01"))  # long past the 8 weeks
    await tick(scheduler)
    assert await transitions_fired(scheduler, {decision["deadline_id"]}) == []
    with pytest.raises(Conflict):
        await scheduler.waive(decision["deadline_id"], reason="closed already", by="bu-1")


async def a_sar_whose_scoping_the_police_alone_returned(scheduler: Scheduler, clock: ManualClock) -> None:
    """A SAR referred on 4 January 2027; scoping asked of the local authority and the police on the 5th;
    only the police return theirs, on the 20th."""
    clock.set(at("2027-01-04"))
    await deliver(scheduler, envelope(sar_referral(), clock))
    for agency in ("local_authority", "police"):
        await deliver(scheduler, envelope(MilestoneReached(case_id=ADULT, fact="scoping_requested", on=date(2027, 1, 5),
                                                           anchor="scoping_requested_on", agency=agency), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=ADULT, fact="scoping_returned", on=date(2027, 1, 20),
                                                       agency="police"), clock))


async def test_a_sar_the_sub_group_does_not_convene_closes_the_chairs_agreement_and_the_outstanding_scoping(
        clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await a_sar_whose_scoping_the_police_alone_returned(scheduler, clock)
    await deliver(scheduler, envelope(MilestoneReached(case_id=ADULT, fact="scoping_reviewed", on=date(2027, 1, 25),
                                                       anchor="scoping_reviewed_on"), clock))
    clock.set(at("2027-02-10"))  # the 10 working days for the chair's agreement (8 February) have passed
    await tick(scheduler)
    assert (await adult_deadlines(scheduler))["sar.agreed"]["status"] == "overdue"
    await deliver(scheduler, envelope(MilestoneReached(case_id=ADULT, fact="sar_decision_made", on=date(2027, 2, 10)),
                                      clock))
    await deliver(scheduler, envelope(SarDecided(case_id=ADULT, case_ref="SAR-2027-5A1F0C", referring_agency="police",
                                                 convene=False, decided_on=date(2027, 2, 10)), clock))
    deadlines = await adult_deadlines(scheduler)
    assert deadlines["sar.decision"]["status"] == "met"
    assert deadlines["sar.agreed"]["status"] == "closed"
    assert "not to convene" in deadlines["sar.agreed"]["explanation"]
    assert deadlines["sar.scoping_returned@local_authority"]["status"] == "closed"
    assert deadlines["sar.scoping_returned@police"]["status"] == "met", "what was met stays met"
    closed_ids = {deadlines[k]["deadline_id"] for k in ("sar.agreed", "sar.scoping_returned@local_authority")}
    before = await transitions_fired(scheduler, closed_ids)
    clock.set(at("2027-04-01"))
    await tick(scheduler)
    assert await transitions_fired(scheduler, closed_ids) == before, "no escalation after the clock closed"


async def test_a_rapid_review_decided_no_review_closes_only_the_scoping_returns_still_outstanding(
        clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    for agency in ("local_authority", "police", "icb"):
        await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="scoping_sent", on=date(2026, 12, 22),
                                                           agency=agency), clock))
    for agency in ("local_authority", "police"):
        await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="scoping_returned", on=date(2026, 12, 29),
                                                           agency=agency), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="meeting_held", on=date(2027, 1, 5)), clock))
    clock.set(at("2027-01-05", 15))
    await deliver(scheduler, envelope(RapidReviewDecided(
        case_id=CASE, case_ref="RR-2026-5A1F0C", referring_agency="police",
        agencies=["local_authority", "police", "icb"], decision="no_review", decided_on=date(2027, 1, 5),
        safety_actions=0, learning=1), clock))
    deadlines = await by_key(scheduler)
    assert deadlines["rr.scoping_returned@icb"]["status"] == "closed"
    assert "no review" in deadlines["rr.scoping_returned@icb"]["explanation"]
    # The Panel is still told of the incident and of the outcome: those clocks run on.
    assert deadlines["rr.panel_notified"]["status"] in ("pending", "due_soon", "overdue")
    assert deadlines["rr.outcome_sent"]["status"] == "pending"
    assert deadlines["rr.scoping_returned@police"]["status"] == "met"


async def test_a_sars_scoping_reviewed_closes_only_the_scoping_returns_still_outstanding(clock_and_scheduler):
    """The SAR panel reviews the scoping with what has come in: an agency's return still outstanding no
    longer feeds it, so its clock closes rather than going overdue for the rest of the review (a case
    whose learning event was held still listed two agencies' scoping returns as due)."""
    clock, scheduler = clock_and_scheduler
    await a_sar_whose_scoping_the_police_alone_returned(scheduler, clock)
    clock.set(at("2027-01-25"))
    await deliver(scheduler, envelope(MilestoneReached(case_id=ADULT, fact="scoping_reviewed", on=date(2027, 1, 25),
                                                       anchor="scoping_reviewed_on"), clock))
    deadlines = await adult_deadlines(scheduler)
    assert deadlines["sar.scoping_returned@police"]["status"] == "met", "what was met stays met"
    outstanding = deadlines["sar.scoping_returned@local_authority"]
    assert outstanding["status"] == "closed"
    assert "reviewed the scoping" in outstanding["explanation"]
    clock.set(at("2027-04-01"))  # long after its 20 working days
    await tick(scheduler)
    assert await transitions_fired(scheduler, {outstanding["deadline_id"]}) == []


# --- a notice owed to several recipients is met when all have it (issue 13) --------------------------
async def test_the_death_notice_is_met_only_when_both_the_secretary_of_state_and_ofsted_have_it(
        clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    lac = serious_incident().model_copy(update={"serious_incident": False, "looked_after_death": True,
                                                "rapid_review": False, "notices_owed": ["secretary_of_state",
                                                                                        "ofsted"]})
    await deliver(scheduler, envelope(lac, clock))
    template = "looked_after_child_death_notice"
    await deliver(scheduler, notification_envelope(
        panel_notice_sent(date(2026, 12, 22), template=template, recipient_kind="secretary_of_state"), clock))
    notice = (await by_key(scheduler))["rr.lac_death_notified"]
    assert notice["status"] == "pending", "Ofsted has not been notified yet"
    assert "still awaited" in notice["explanation"] and "ofsted" in notice["explanation"].lower()
    await deliver(scheduler, notification_envelope(
        panel_notice_sent(date(2026, 12, 29), template=template, recipient_kind="ofsted"), clock))
    notice = (await by_key(scheduler))["rr.lac_death_notified"]
    assert notice["status"] == "met" and notice["met_on"] == date(2026, 12, 29), "met when the last one went"
    assert "still awaited" not in notice["explanation"]


async def test_the_final_cspr_report_is_met_only_when_the_panel_and_the_secretary_of_state_have_it(
        clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    for fact, on, anchor in (("cspr_decided", date(2027, 1, 5), "decision_on"),
                             ("publication_planned", date(2027, 6, 1), "planned_publication_on")):
        await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact=fact, on=on, anchor=anchor), clock))
    assert (await by_key(scheduler))["cspr.final_to_panel"]["due"] == date(2027, 5, 20)
    template = "final_report_to_panel"
    await deliver(scheduler, notification_envelope(
        panel_notice_sent(date(2027, 5, 10), template=template, recipient_kind="national_panel"), clock))
    final = (await by_key(scheduler))["cspr.final_to_panel"]
    assert final["status"] == "pending" and "secretary of state" in final["explanation"].lower()
    await deliver(scheduler, notification_envelope(
        panel_notice_sent(date(2027, 5, 11), template=template, recipient_kind="secretary_of_state"), clock))
    final = (await by_key(scheduler))["cspr.final_to_panel"]
    assert final["status"] == "met" and final["met_on"] == date(2027, 5, 11) and final["on_time"] is True


async def test_the_rapid_review_is_complete_when_its_template_has_gone_to_the_panel_not_on_the_meeting_date(
        clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await deliver(scheduler, envelope(serious_incident(), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="meeting_held", on=date(2027, 1, 5)), clock))
    # What the referrals service says when the meeting decides: the review is concluded that day …
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="rapid_review_completed",
                                                       on=date(2027, 1, 5)), clock))
    assert (await by_key(scheduler))["rr.complete"]["status"] == "pending", "nothing has reached the Panel yet"
    # … but it is complete when the completed template has gone to the Panel (Friday 15 January: late).
    await deliver(scheduler, notification_envelope(
        panel_notice_sent(date(2027, 1, 15), template="rapid_review_outcome_to_panel"), clock))
    complete = (await by_key(scheduler))["rr.complete"]
    assert complete["status"] == "met" and complete["met_on"] == date(2027, 1, 15)
    assert complete["on_time"] is False and complete["working_days_late"] == 1  # due Thursday 14 January


# --- an audit's dates move the clocks that count back from them (issue 13) ---------------------------
AUDIT = "a0d17000-0000-4000-8000-0000000000f5"


async def plan_audit(scheduler: Scheduler, clock: ManualClock, qa_meeting_on: date, audit_on: date | None = None):
    from safeguard_shared.contracts.audits import AuditPlanned

    event = AuditPlanned(audit_id=AUDIT, theme="Neglect", kind="children", qa_meeting_on=qa_meeting_on,
                         audit_on=audit_on)
    await scheduler.runtime.inbox.handle_once("scheduling", event.envelope(producer="audits",
                                                                          occurred_at=clock.now()), scheduler.dispatch)


async def audit_deadlines(scheduler: Scheduler) -> dict[str, dict]:
    return {r["key"]: r for r in await list_deadlines(scheduler.runtime, audit_id=AUDIT)}


async def test_a_moved_qa_meeting_moves_every_audit_clock_that_counts_back_from_it(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await plan_audit(scheduler, clock, date(2027, 3, 10))
    # The QA sub-group meeting moves a week later, to Wednesday 17 March 2027: the audit is planned
    # 4 weeks before it (17 February), and every step counted back from the audit follows.
    await plan_audit(scheduler, clock, date(2027, 3, 17))
    rows = await audit_deadlines(scheduler)
    assert {k: r["due"] for k, r in rows.items()} == {
        "macfa.audit_date": date(2027, 2, 17), "macfa.scope_agreed": date(2026, 12, 30),
        "macfa.cases_sampled": date(2027, 1, 6), "macfa.template_sent": date(2027, 1, 13),
        "macfa.programme_sent": date(2027, 2, 10), "macfa.report": date(2027, 3, 17)}
    for row in rows.values():
        assert "2027-03-10" in row["explanation"] and "2027-03-17" in row["explanation"], row["key"]
    assert "planned from macfa.audit_date" in rows["macfa.template_sent"]["explanation"]
    changes = await owed_events(scheduler, "scheduling.deadline.changed")
    assert sorted(c["payload"]["key"] for c in changes) == sorted(rows)


async def test_an_audit_date_set_moves_the_steps_counted_back_from_it_and_a_later_qa_move_leaves_them(
        clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    await plan_audit(scheduler, clock, date(2027, 3, 10))
    # The QA lead fixes the audit on Wednesday 17 February (the framework plans it for the 10th).
    await plan_audit(scheduler, clock, date(2027, 3, 10), audit_on=date(2027, 2, 17))
    rows = await audit_deadlines(scheduler)
    assert rows["macfa.template_sent"]["due"] == date(2027, 1, 13)  # 5 weeks before 17 February
    assert rows["macfa.programme_sent"]["due"] == date(2027, 2, 10)
    assert rows["macfa.scope_agreed"]["due"] == date(2026, 12, 30)
    assert "audit_on 2027-02-17" in rows["macfa.template_sent"]["explanation"]
    assert "planned from" not in rows["macfa.template_sent"]["explanation"], "counted from the date set"
    # The framework's own date for the audit stays: held on the 17th, it will read as late.
    assert rows["macfa.audit_date"]["due"] == date(2027, 2, 10)
    # The QA meeting then moves: the audit keeps the date the QA lead set, and its steps with it.
    await plan_audit(scheduler, clock, date(2027, 3, 24), audit_on=date(2027, 2, 17))
    rows = await audit_deadlines(scheduler)
    assert rows["macfa.report"]["due"] == date(2027, 3, 24)
    assert rows["macfa.template_sent"]["due"] == date(2027, 1, 13)


async def test_every_event_about_a_cases_deadline_names_the_case_by_its_reference(clock_and_scheduler):
    clock, scheduler = clock_and_scheduler
    # A fact that came before its case (kept early), then the case opens: both meet and start clocks.
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="panel_notified", on=date(2026, 12, 21)),
                                      clock))
    await deliver(scheduler, envelope(serious_incident(), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="meeting_held", on=date(2027, 1, 5)), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=CASE, fact="meeting_held", on=date(2027, 1, 6),
                                                       reason="meeting date corrected"), clock))
    clock.set(start_of_day(date(2026, 12, 23)))  # the reminders, then (below) misses and escalations
    assert await tick(scheduler) > 0
    clock.set(at("2027-01-20", 10))
    assert await tick(scheduler) > 0
    events = [e for e in await owed_events(scheduler) if e["event_type"].startswith("scheduling.deadline.")]
    kinds = {e["event_type"].rsplit(".", 1)[1] for e in events}
    assert {"scheduled", "due_soon", "missed", "escalated", "met", "changed"} <= kinds, kinds
    assert {e["payload"].get("case_ref") for e in events} == {"RR-2026-5A1F0C"}


# --- a SAR's delay: a code on the bus, plain words in the clock, never the business unit's own (issue 12) ----
DELAY_WORDS = "the son's trial at Exampletown Crown Court"


async def everything_stored(scheduler: Scheduler) -> str:
    async with scheduler.runtime.sessions() as session:
        tables = [orm.deadlines, orm.deadline_history, orm.early_facts, orm.occasions, orm.outbox]
        return json.dumps({t.name: [dict(r) for r in (await session.execute(select(t))).mappings().all()]
                           for t in tables}, default=str)


async def test_a_sars_delay_is_explained_by_its_codes_words_and_an_old_event_s_free_text_is_never_stored(
        clock_and_scheduler):
    from safeguard_shared.contracts.referrals import SarDelayChanged

    clock, scheduler = clock_and_scheduler
    clock.set(at("2027-01-04"))
    await deliver(scheduler, envelope(sar_referral(), clock))
    await deliver(scheduler, envelope(MilestoneReached(case_id=ADULT, fact="sar_commissioned", on=date(2027, 1, 4),
                                                       anchor="commissioned_on"), clock))
    clock.set(at("2027-06-01"))
    # A version 1 event, published before the upgrade, still on the stream: the business unit's words in it.
    old = Envelope(event_type=SarDelayChanged.event_type, schema_version=1, occurred_at=clock.now(),
                   correlation_id="c-1", producer="referrals",
                   payload={"case_id": ADULT, "change": "delayed", "reason": DELAY_WORDS})
    await deliver(scheduler, old)
    paused = (await adult_deadlines(scheduler))["sar.signed_off"]
    assert paused["status"] == "paused"
    assert paused["status_reason"] == "the SAR is delayed: another reason (recorded with the case)"

    clock.set(at("2027-07-01"))
    await deliver(scheduler, envelope(SarDelayChanged(case_id=ADULT, change="resumed",
                                                      reason_code="criminal_proceedings"), clock))
    resumed = (await adult_deadlines(scheduler))["sar.signed_off"]
    assert resumed["status"] == "pending"
    assert "the SAR's delay (parallel criminal proceedings) ended" in resumed["explanation"]
    assert DELAY_WORDS not in await everything_stored(scheduler), "no free text in any table, nor in an event"


async def test_the_monthly_sar_panel_is_owed_no_more_once_the_board_signs_the_report_off(clock_and_scheduler):
    """The SAR panel meets monthly "until" the sign-off. A sign-off before the panel's next meeting used
    to leave that meeting's clock open, to go overdue months after the pathway had moved on."""
    clock, scheduler = clock_and_scheduler
    clock.set(at("2027-01-04"))
    await deliver(scheduler, envelope(sar_referral(), clock))

    async def milestone(fact: str, on: str, anchor: str | None = None) -> None:
        clock.set(at(on))
        await deliver(scheduler, envelope(MilestoneReached(case_id=ADULT, fact=fact, on=date.fromisoformat(on),
                                                           anchor=anchor), clock))

    await milestone("sar_commissioned", "2027-02-12", "commissioned_on")
    await milestone("panel_meeting_held", "2027-03-12")
    panels = [d for k, d in (await adult_deadlines(scheduler)).items() if k == "sar.panel_meeting"]
    assert [p["status"] for p in panels] == ["pending"], "the next month's meeting is owed"
    await milestone("signed_off", "2027-04-01", "signed_off_on")

    rows = await list_deadlines(scheduler.runtime, case_id=ADULT)
    meetings = sorted((r for r in rows if r["key"] == "sar.panel_meeting"), key=lambda r: r["due"])
    assert [(m["due"], m["status"]) for m in meetings] == [(date(2027, 3, 12), "met"), (date(2027, 4, 12), "closed")]
    assert "signs off the completed report" in meetings[1]["explanation"]
    # A meeting recorded after the sign-off starts no further one, and nothing fires for the closed one.
    await milestone("panel_meeting_held", "2027-04-09")
    rows = await list_deadlines(scheduler.runtime, case_id=ADULT)
    assert [r["status"] for r in rows if r["key"] == "sar.panel_meeting" and r["status"] not in ("met", "closed")] == []
    clock.set(at("2027-09-01"))
    await tick(scheduler)
    assert await transitions_fired(scheduler, {meetings[1]["deadline_id"]}) == []
