"""The quality-assurance messages the audits service's events owe: the case file audit template to
each agency's audit lead, the programme to each invitee, an immediate concern to the business unit
and the agency concerned at once, and an overdue action to its owning agency — each once."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from notifications.adapters.orm import notifications
from notifications.application.deadlines import AuditDateNotKnownYet
from safeguard_shared.contracts.audits import ActionOverdue, AuditToolSent, ConcernRaised, InvitationsSent
from safeguard_shared.contracts.scheduling import DeadlineChanged, DeadlineDueSoon, DeadlineScheduled
from safeguard_testing.apps import migrated

AUDIT = "a0d17000-0000-4000-8000-0000000000aa"


@pytest.fixture
async def service(sqlite_databases, tmp_path, issuer):
    async with migrated("notifications", database_url=sqlite_databases.new("notifications"), data_dir=tmp_path,
                        issuer=issuer) as s:
        yield s


async def deliver(service, event, producer: str = "audits") -> None:
    env = event.envelope(producer=producer, occurred_at=service.runtime.clock.now())
    for _ in range(2):  # redelivered: still one message each
        await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)


def audit_date_scheduled(due: date, deadline_id: str = "d-audit") -> DeadlineScheduled:
    """The clock's word on the audit's date, published when the audit was planned."""
    return DeadlineScheduled(deadline_id=deadline_id, key="macfa.audit_date", audit_id=AUDIT, due=due,
                             description="the audit itself, 4 weeks before the QA sub-group meeting")


def tool_sent() -> AuditToolSent:
    return AuditToolSent(audit_id=AUDIT, kind="children", agencies=["police", "school"], responses_owed=5,
                         sent_on=date(2027, 1, 6), theme="Neglect", qa_meeting_on=date(2027, 3, 10))


async def queued(service) -> list[dict]:
    async with service.runtime.sessions() as session:
        rows = (await session.execute(select(notifications))).mappings().all()
    return [dict(r) for r in rows]


async def test_the_audit_template_goes_to_each_agencys_audit_lead_once(service):
    await deliver(service, audit_date_scheduled(date(2027, 2, 10)), producer="scheduling")
    await deliver(service, tool_sent())
    rows = await queued(service)
    assert sorted((r["recipient_kind"], r["agency"], r["template"]) for r in rows) == [
        ("audit_lead", "police", "macfa_audit_template"), ("audit_lead", "school", "macfa_audit_template")]
    # The audit, 4 weeks before the QA meeting, as people write a date.
    assert "Neglect" in rows[0]["body"] and "Wednesday 10 February 2027" in rows[0]["body"]


async def test_the_audit_template_names_the_date_the_clock_set_not_one_computed_here(service):
    # The clock moved the audit off a non-working day (or the partnership changed the rule): the
    # letter says the clock's date, whatever "4 weeks before the QA meeting" would give.
    await deliver(service, audit_date_scheduled(date(2027, 2, 5)), producer="scheduling")
    await deliver(service, DeadlineChanged(deadline_id="d-audit", key="macfa.audit_date", audit_id=AUDIT,
                                           due=date(2027, 2, 9), change="moved", status="pending",
                                           previous_due=date(2027, 2, 5), reason="QA meeting moved"),
                  producer="scheduling")
    await deliver(service, tool_sent())
    rows = await queued(service)
    assert len(rows) == 2
    assert all("Tuesday 9 February 2027" in r["body"] and "10 February" not in r["body"] for r in rows)


async def test_the_audit_template_waits_for_the_clock_to_say_the_audit_date(service):
    env = tool_sent().envelope(producer="audits", occurred_at=service.runtime.clock.now())
    with pytest.raises(AuditDateNotKnownYet):  # the consumer tries the event again later
        await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)
    assert await queued(service) == [], "nothing half-done: no letter without its date"

    await deliver(service, audit_date_scheduled(date(2027, 2, 10)), producer="scheduling")
    assert await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)
    assert len(await queued(service)) == 2


async def test_a_deadline_that_is_not_an_audit_date_is_not_taken_for_one(service):
    await deliver(service, DeadlineScheduled(deadline_id="d-other", key="macfa.template_sent", audit_id=AUDIT,
                                             due=date(2027, 1, 6)), producer="scheduling")
    env = tool_sent().envelope(producer="audits", occurred_at=service.runtime.clock.now())
    with pytest.raises(AuditDateNotKnownYet):
        await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)


async def test_the_programme_gives_each_invitee_their_own_times(service):
    await deliver(service, InvitationsSent(
        audit_id=AUDIT, kind="children", held_on=date(2027, 2, 10), sent_on=date(2027, 2, 3),
        programme=[{"starts_at": "09:30", "ends_at": "10:00", "item": "welcome"}],
        invitees=[{"agency": "police", "role": "auditor", "required_from": "09:30", "required_until": "12:00"}]))
    [row] = await queued(service)
    assert row["template"] == "macfa_programme" and "09:30–12:00 (auditor)" in row["body"]


async def test_an_immediate_concern_is_escalated_to_the_business_unit_and_the_agency(service):
    await deliver(service, ConcernRaised(concern_id="c1", audit_id=AUDIT, kind="children", raised_by_agency="school",
                                         agency_concerned="police", raised_on=date(2027, 2, 10), case_no=2,
                                         theme="Neglect"))
    rows = await queued(service)
    assert sorted(r["recipient_kind"] for r in rows) == ["agency", "business_unit"]
    assert all("sampled case 2" in r["body"] for r in rows)


async def test_an_overdue_action_is_chased_with_its_owning_agency(service):
    await deliver(service, ActionOverdue(action_id="x1", source="audit", audit_id=AUDIT, owning_agency="icb",
                                         due_on=date(2027, 4, 30), overdue_on=date(2027, 5, 1)))
    [row] = await queued(service)
    assert row["agency"] == "icb" and row["template"] == "deadline_overdue"


async def test_a_training_follow_up_reminder_says_the_duty_and_the_training_not_an_audit(service):
    # Deadline events carry a training completion's id in ``completion_id`` (no longer in ``audit_id``),
    # and a ``description``: neither breaks the reminder.
    await deliver(service, DeadlineDueSoon(deadline_id="d-tr", key="training.follow_up", completion_id="tc-1",
                                           due=date(2027, 4, 6), who_agency="school",
                                           description="follow-up survey to the trainee"), producer="scheduling")
    [row] = await queued(service)
    assert row["template"] == "deadline_reminder" and row["agency"] == "school"
    assert "What is due: follow-up survey to the trainee (for school)" in row["body"]
    assert "safeguarding training" in row["body"] and "tc-1" not in row["body"] and "audit" not in row["body"]
    assert "training.follow_up" not in row["body"] and "Tuesday 6 April 2027" in row["body"]


async def test_a_training_survey_is_queued_once_without_an_address_and_waits_while_the_audits_service_is_away(
        service):
    from notifications.domain.messages import SURVEY_LINK
    from safeguard_shared.contracts.audits import TrainingSurveyDue
    from safeguard_testing.ports import free_port

    due = TrainingSurveyDue(survey_id="s-1", completion_id="c-1", survey="follow_up", recipient="trainee",
                            agency="police", course="Core safeguarding children",
                            training_completed_on=date(2026, 10, 5), due_on=date(2027, 1, 5))
    await deliver(service, due)
    # Nothing listens where the audits service would be: the address and the link cannot be had now.
    dispatcher = service.app.state.dispatcher
    dispatcher.surveys.base_url = f"http://127.0.0.1:{free_port()}"

    assert await dispatcher.dispatch_once() == 0
    [row] = await service.rows(notifications)
    assert (row["template"], row["recipient_kind"], row["survey_id"]) == ("training_follow_up_survey", "trainee", "s-1")
    assert row["recipient_address"] == "" and SURVEY_LINK in row["body"], "no address or link is kept here"
    assert "Monday 5 October 2026" in row["body"]
    assert row["status"] == "queued" and "audits service did not answer" in row["last_error"], "tried again later"
    assert not (service.data_dir / "outbox" / f"{row['notification_id']}.eml").exists()
