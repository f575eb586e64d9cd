"""Facts recorded on a case, an audit or a training completion: a fact meets the clocks waiting for
it, and a fact that is also an anchor starts the clocks counted from it, or moves them if it moved."""
from __future__ import annotations

from datetime import date
from typing import Any

from safeguard_shared.bus.dispatch import acts_only_on
from safeguard_shared.contracts.audits import (
    AuditMilestoneReached,
    AuditPlanned,
    CasesSampled,
    TrainingCompleted,
    TrainingSurveySent,
)
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import (
    CaseOpened,
    MilestoneReached,
    RapidReviewDecided,
    SarDecided,
    SarScreened,
)
from safeguard_shared.partnership import LONDON
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import store
from ..adapters.orm import deadlines
from ..domain.deadlines import OPEN_STATUSES
from ..domain.policies import ClockStart
from ..domain.rules import Rule
from .changes import close_row, mark_met, progress, reschedule
from .starting import start_clock
from .timekeeping import Timekeeping, occasion_of

# The screening outcomes that end a SAR referral before scoping.
SCREENED_OUT = frozenset({"not_proceeding"})

# Which fact a sent message establishes: the clock is met when the message actually left.
FACT_OF_MESSAGE = {
    "serious_incident_notification": "panel_notified",
    "looked_after_child_death_notice": "lac_death_notified",
    "scoping_request": "scoping_sent",
    "rapid_review_outcome_to_panel": "outcome_sent",
    "final_report_to_panel": "final_report_sent",
}


async def record_fact(uow: UnitOfWork, tk: Timekeeping, occasion: str, *, fact: str, on: date,
                      agency: str | None = None, anchor: str | None = None, reason: str | None = None) -> None:
    await store.lock_occasion(uow.session, occasion)
    occ = await store.occasion(uow.session, occasion, lock=True)
    if occ is None:
        # The event that opens the case is still on its way (redelivered after the consumer's ack
        # wait, say): keep the fact, to apply on its own date when the case opens. Refusing it would
        # only end in the dead letters, and the deadline it meets would stay pending for ever.
        await store.keep_early_fact(uow.session, dict(occasion=occasion, fact=fact, on=on, agency=agency,
                                                      anchor=anchor, reason=reason, received_at=uow.now()))
        return
    anchors = dict(occ["anchors"])
    anchors[f"{fact}@{agency}" if agency else fact] = on.isoformat()
    anchor_name = anchor or (f"{fact}_on" if f"{fact}_on" in tk.rules.anchors else None)
    previous = None
    if anchor_name:
        slot = f"{anchor_name}@{agency}" if agency else anchor_name
        previous = anchors.get(slot)
        anchors[slot] = on.isoformat()
    await store.set_anchors(uow.session, occasion, anchors, uow.now())
    await _meet(uow, tk, occ, anchors, fact=fact, on=on, agency=agency)
    await _close(uow, tk, occ, ending=fact, on=on, reason=reason)
    if anchor_name:
        if previous and previous != on.isoformat():
            await _move(uow, tk, occ, anchors, anchor_name, agency, on,
                        reason or f"{anchor_name} changed from {previous} to {on.isoformat()}")
        elif not previous:
            # Recorded for the first time: a clock planned from another rule's due date until now
            # (MACFA's steps from macfa.audit_date) follows the real date.
            await _move(uow, tk, occ, anchors, anchor_name, agency, on,
                        reason or f"{anchor_name} set to {on.isoformat()}")
            await _start_from(uow, tk, occ, anchor_name, agency, on)


def _known_anchors(tk: Timekeeping, anchors: dict[str, str]) -> dict[str, date]:
    return {k: date.fromisoformat(v) for k, v in anchors.items() if "@" not in k and k in tk.rules.anchors}


async def _meet(uow: UnitOfWork, tk: Timekeeping, occ: dict[str, Any], anchors: dict[str, str], *, fact: str,
                on: date, agency: str | None) -> None:
    for rule in tk.rules.met_by(fact):
        for row in await store.clocks_a_fact_may_meet(uow.session, occ["occasion"], rule.key,
                                                      agency=(agency or "") if rule.per_agency else None):
            met_on = on
            if len(rule.met_by) > 1:
                # Every one of the facts (a notice to the Secretary of State and one to Ofsted): met
                # when the last is recorded, on its date; until then the explanation says what is awaited.
                recorded = {f: date.fromisoformat(anchors[f]) for f in rule.met_by if anchors.get(f)}
                if len(recorded) < len(rule.met_by):
                    await progress(uow, row, recorded, [f for f in rule.met_by if f not in recorded])
                    continue
                met_on = max(recorded.values())
                await progress(uow, row, recorded, [])
            elif agency and not rule.per_agency:
                # "sent to every involved agency": met when the last of them has it, on that date.
                dates = [anchors.get(f"{fact}@{a}") for a in occ["involved_agencies"]]
                if not all(dates):
                    continue
                met_on = max(date.fromisoformat(d) for d in dates if d)
            await mark_met(uow, tk, row, met_on)
            if rule.repeats is not None:
                await _next_occurrence(uow, tk, anchors, rule, row)
            await _end_what_ran_until(uow, tk, occ, rule, met_on)


async def _close(uow: UnitOfWork, tk: Timekeeping, occ: dict[str, Any], *, ending: str, on: date,
                 reason: str | None) -> None:
    """An ending (a SAR screened out, not convened …) closes every open clock it makes moot."""
    rules = tk.rules.closed_by(ending)
    if not rules:
        return
    why = tk.rules.endings[ending] + (f" ({reason})" if reason else "")
    for row in await store.deadlines_where(uow.session, deadlines.c.occasion == occ["occasion"],
                                           deadlines.c.key.in_([r.key for r in rules]),
                                           deadlines.c.status.in_((*OPEN_STATUSES, "paused")), lock=True):
        await close_row(uow, tk, row, on=on, reason=why)


async def _next_occurrence(uow: UnitOfWork, tk: Timekeeping, anchors: dict[str, str], rule: Rule, row: Any) -> None:
    """A recurring duty met: the next occurrence starts (until the rule's `until` date)."""
    await start_clock(uow, tk, ClockStart(rule.key, _known_anchors(tk, anchors), agency=row["agency"]),
                      occasion=row["occasion"], occurrence=row["occurrence"] + 1, case_ref=row["case_ref"])


async def _end_what_ran_until(uow: UnitOfWork, tk: Timekeeping, occ: dict[str, Any], met: Rule, on: date) -> None:
    """A recurring duty runs until another is met (the SAR panel meets monthly, and the adult is
    updated every four weeks while the review is delayed, until the board signs the report off). Once
    that one is met, the occurrence still open is owed no more: it closes, neither met nor missed,
    instead of staying open to go overdue after the pathway has moved on."""
    ran_until = [r.key for r in tk.rules_of(occ["process"]) if r.until == met.key]
    if not ran_until:
        return
    for row in await store.deadlines_where(uow.session, deadlines.c.occasion == occ["occasion"],
                                           deadlines.c.key.in_(ran_until),
                                           deadlines.c.status.in_((*OPEN_STATUSES, "paused")), lock=True):
        await close_row(uow, tk, row, on=on, reason=f"owed only until {met.what}, which is done")


async def _start_from(uow: UnitOfWork, tk: Timekeeping, occ: dict[str, Any], anchor_name: str,
                      agency: str | None, on: date) -> None:
    known = _known_anchors(tk, occ["anchors"])
    known[anchor_name] = on
    for rule in tk.rules_of(occ["process"]):
        if rule.anchor != anchor_name:
            continue
        if rule.per_agency:
            for each in [agency] if agency else list(occ["involved_agencies"]):
                await start_clock(uow, tk, ClockStart(rule.key, known, agency=each), occasion=occ["occasion"],
                                  case_ref=occ["case_ref"])
        else:
            await start_clock(uow, tk, ClockStart(rule.key, known), occasion=occ["occasion"], case_ref=occ["case_ref"])


async def _move(uow: UnitOfWork, tk: Timekeeping, occ: dict[str, Any], anchors: dict[str, str], anchor_name: str,
                agency: str | None, on: date, reason: str) -> None:
    """The clocks that hang on an anchor that moved (or was recorded) follow it, each with the reason;
    so do the clocks planned from one of them (MACFA's steps from the audit date it plans)."""
    conditions = [deadlines.c.occasion == occ["occasion"], deadlines.c.status.in_(OPEN_STATUSES)]
    if agency:  # one agency's own clock (its scoping return, counted from its own template)
        conditions += [deadlines.c.agency == agency, deadlines.c.anchor_name == anchor_name]
    recorded = _known_anchors(tk, anchors)
    for row in await store.deadlines_where(uow.session, *conditions):
        if agency:
            due = tk.rules.due_for(row["key"], {anchor_name: on}, tk.calendar)
        elif row["key"] in tk.rules and tk.rules.hangs_on(row["key"], anchor_name, recorded):
            due = tk.rules.due_for(row["key"], recorded, tk.calendar)
        else:
            continue
        window_start = due.window_start.date if due.window_start else None
        if due.due.date == row["due"] and window_start in (None, row["window_start"]) and \
                due.anchor_date == row["anchor_on"]:
            continue  # nothing moves (a clock already counted from this date)
        await reschedule(uow, tk, row, due.due.date, f"Moved: {reason}. {due.explanation}", reason,
                         window_start=window_start, anchor_on=due.anchor_date)


async def apply_early_facts(uow: UnitOfWork, tk: Timekeeping, occasion: str) -> None:
    """The facts that arrived before the occasion opened, applied in the order they came (in the
    transaction that opens it, after its clocks started)."""
    for early in await store.take_early_facts(uow.session, occasion):
        await record_fact(uow, tk, occasion, fact=early["fact"], on=early["on"], agency=early["agency"],
                          anchor=early["anchor"], reason=early["reason"])


async def when_a_case_opens_apply_the_facts_that_came_first(event: CaseOpened, uow: UnitOfWork,
                                                           tk: Timekeeping) -> None:
    await apply_early_facts(uow, tk, occasion_of("case", event.case_id))


async def when_an_audit_is_planned_apply_the_facts_that_came_first(event: AuditPlanned, uow: UnitOfWork,
                                                                   tk: Timekeeping) -> None:
    await apply_early_facts(uow, tk, occasion_of("audit", event.audit_id))


async def when_an_audit_is_replanned_its_clocks_follow(event: AuditPlanned, uow: UnitOfWork, tk: Timekeeping) -> None:
    """The plan published again: a QA sub-group meeting that moved, an audit date set. The clocks that
    count back from them follow (the steps planned from the audit date too, until it is set)."""
    occasion = occasion_of("audit", event.audit_id)
    occ = await store.occasion(uow.session, occasion)
    recorded = occ["anchors"] if occ else {}
    qa_before, qa_now = recorded.get("qa_meeting_on"), event.qa_meeting_on.isoformat()
    if qa_before and qa_before != qa_now:
        await record_fact(uow, tk, occasion, fact="qa_meeting_set", on=event.qa_meeting_on, anchor="qa_meeting_on",
                          reason=f"the QA sub-group meeting moved from {qa_before} to {qa_now}")
    if event.audit_on and recorded.get("audit_on") != event.audit_on.isoformat():
        before = recorded.get("audit_on")
        await record_fact(uow, tk, occasion, fact="audit_date_set", on=event.audit_on, anchor="audit_on",
                          reason=(f"the audit date moved from {before} to {event.audit_on.isoformat()}" if before
                                  else f"the audit date was set to {event.audit_on.isoformat()}"))


async def when_training_is_completed_apply_the_facts_that_came_first(event: TrainingCompleted, uow: UnitOfWork,
                                                                     tk: Timekeeping) -> None:
    await apply_early_facts(uow, tk, occasion_of("training", event.completion_id))


def _day_of_the_cause(uow: UnitOfWork) -> date:
    """The business day the event being handled happened (for events that carry no date of their own)."""
    return uow.cause.occurred_at.astimezone(LONDON).date() if uow.cause else uow.clock.today()


# --- the events that record facts --------------------------------------------------------------------
async def when_a_case_milestone_is_reached_record_it(event: MilestoneReached, uow: UnitOfWork,
                                                     tk: Timekeeping) -> None:
    await record_fact(uow, tk, occasion_of("case", event.case_id), fact=event.fact, on=event.on,
                      agency=event.agency, anchor=event.anchor, reason=event.reason)


async def when_cases_are_sampled_record_it(event: CasesSampled, uow: UnitOfWork, tk: Timekeeping) -> None:
    # The event carries no date of its own: the cases were sampled on the business day it is handled.
    await record_fact(uow, tk, occasion_of("audit", event.audit_id), fact="cases_sampled",
                      # The day the audit drew its sample, not the day this event happened to be handled.
                      on=_day_of_the_cause(uow))


async def when_an_audit_milestone_is_reached_record_it(event: AuditMilestoneReached, uow: UnitOfWork,
                                                       tk: Timekeeping) -> None:
    await record_fact(uow, tk, occasion_of("audit", event.audit_id), fact=event.fact, on=event.on)


async def when_a_training_survey_is_sent_record_it(event: TrainingSurveySent, uow: UnitOfWork,
                                                   tk: Timekeeping) -> None:
    await record_fact(uow, tk, occasion_of("training", event.completion_id), fact=event.fact, on=event.sent_on)


async def when_a_sar_is_screened_out_close_its_clocks(event: SarScreened, uow: UnitOfWork, tk: Timekeeping) -> None:
    if event.outcome in SCREENED_OUT:
        # The event carries no date: the screening happened the day it was recorded.
        await record_fact(uow, tk, occasion_of("case", event.case_id), fact="sar_screened_out",
                          on=_day_of_the_cause(uow))


async def when_a_sar_is_not_convened_close_its_clocks(event: SarDecided, uow: UnitOfWork, tk: Timekeeping) -> None:
    if not event.convene:
        await record_fact(uow, tk, occasion_of("case", event.case_id), fact="sar_not_convened", on=event.decided_on)


async def when_a_rapid_review_is_decided_close_what_no_longer_feeds_it(event: RapidReviewDecided, uow: UnitOfWork,
                                                                      tk: Timekeeping) -> None:
    await record_fact(uow, tk, occasion_of("case", event.case_id), fact="rapid_review_decided", on=event.decided_on,
                      reason=f"decided: {event.decision.replace('_', ' ')}")


def _a_message_a_clock_waits_for(event: NotificationSent) -> bool:
    return bool(event.case_id) and event.template in FACT_OF_MESSAGE


@acts_only_on(_a_message_a_clock_waits_for)
async def when_a_statutory_message_is_sent_record_it(event: NotificationSent, uow: UnitOfWork,
                                                     tk: Timekeeping) -> None:
    """A statutory message that went out meets the clock that asked for it, on the day it went."""
    fact = FACT_OF_MESSAGE.get(event.template)
    if not event.case_id or fact is None:
        return  # not a message any clock waits for
    agency = event.agency if fact == "scoping_sent" else None
    occasion, on = occasion_of("case", event.case_id), event.sent_on or uow.clock.today()
    await record_fact(uow, tk, occasion, fact=fact, on=on, agency=agency)
    # A rule may wait for the message to one recipient in particular (both the Secretary of State and
    # Ofsted must have the death notice): that fact is "<fact>_to_<recipient kind>".
    to_recipient = f"{fact}_to_{event.recipient_kind}"
    if tk.rules.met_by(to_recipient):
        await record_fact(uow, tk, occasion, fact=to_recipient, on=on, agency=agency)
