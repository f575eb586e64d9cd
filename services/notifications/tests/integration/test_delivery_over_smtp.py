"""Every message the framework names reaches a real SMTP relay exactly once: through retries,
refusals, a crash between handing a message over and recording it, and two dispatchers at once.

The relay is aiosmtpd, started by the test on a free port and scripted per address (``451`` first,
``550`` always …); what it accepted is read back parsed. The service is the one its bootstrap wires
with ``NOTIFICATIONS_CHANNEL=smtp``, on SQLite and PostgreSQL, with a clock the test moves; no
background loop runs, so only the test dispatches.
"""
from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from notifications.adapters.orm import attempts, inbox, notifications, outbox
from notifications.application.outgoing import queue_all
from notifications.domain.messages import (
    FILLED_FROM_REFERRALS,
    ROUTED_SUBJECTS,
    SUBJECTS,
    Invitee,
    when_an_immediate_concern_is_found_escalate_it,
    when_the_audit_programme_is_due_send_it_to_each_invitee,
    when_the_audit_template_is_due_send_it_to_each_agency_audit_lead,
)
from safeguard_shared.contracts import Envelope, parse
from safeguard_shared.contracts.notifications import NotificationFailed, NotificationSent
from safeguard_shared.contracts.referrals import (
    CaseOpened,
    FamilyContact,
    FamilyLetterAwaitingContact,
    FamilyLetterOwedV1,
    FinalReportReady,
    RapidReviewDecided,
    ReferralReturned,
    SarDecided,
    SarScreened,
    ScopingRequested,
)
from safeguard_shared.contracts.scheduling import DeadlineDueSoon, DeadlineMissed
from safeguard_testing.apps import CANARIES, CANARY_LEAD, CANARY_REFERENCE, CANARY_SUMMARY

CHILD = "9e8d7c6b-0000-4000-8000-0000000000aa"
HELD_CHILD = "9e8d7c6b-0000-4000-8000-0000000000bb"
ADULT = "5a5a5a5a-0000-4000-8000-0000000000cc"
AUDIT = "a0d17000-0000-4000-8000-0000000000dd"
AT = datetime(2026, 12, 21, 10, tzinfo=UTC)
PANEL = "national-panel@recipients.invalid"
BUSINESS_UNIT = "business-unit@recipients.invalid"
# A family member whose address the relay does not know: the message ends failed, and alerted.
UNKNOWN_MEMBER = "no-such-person@family.invalid"


def env(event, occurred_at: datetime = AT) -> Envelope:
    return event.envelope(producer="referrals", occurred_at=occurred_at)


def case_opened(case_id: str = CHILD, **changes) -> Envelope:
    values = dict(case_id=case_id, case_ref="RR-2026-9E8D7C", pathway="child", referring_agency="police",
                  received_on=date(2026, 12, 21), became_aware_on=date(2026, 12, 21),
                  involved_agencies=["local_authority", "police", "icb", "school"], serious_incident=True,
                  rapid_review=True, notices_owed=["national_panel"])
    values.update(changes)
    return env(CaseOpened(**values))


def family_letter(letter: str, contact: FamilyContact, **more) -> Envelope:
    return env(FamilyLetterOwedV1(case_id=ADULT, case_ref="SAR-2027-5A5A5A", letter=letter, recipient=contact, **more))


@pytest.fixture
async def service(databases, tmp_path, issuer, smtp_server, make_service, over_smtp):
    async with make_service(await databases.anew("notifications"), tmp_path, issuer,
                            **over_smtp(smtp_server, retry_base_seconds=60, max_attempts=4)) as running:
        yield running


@pytest.fixture
def dispatcher(service):
    return service.app.state.dispatcher


async def deliver(service, envelope: Envelope) -> bool:
    return await service.runtime.inbox.handle_once("notifications", envelope, service.app.state.handle_event)


async def dispatch_all(dispatcher, rounds: int = 5) -> int:
    return sum([await dispatcher.dispatch_once() for _ in range(rounds)])


async def published(service) -> list:
    return [parse(Envelope.model_validate_json(r["body"])) for r in await service.rows(outbox)]


async def row_of(service, **where) -> dict:
    rows = [r for r in await service.rows(notifications) if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, rows
    return rows[0]


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


# --- every template ---------------------------------------------------------------------------------

async def owe_every_message_the_framework_names(service) -> None:
    """Each framework moment, as its event arrives (or, where its event is not published yet, as
    its policy is called with plain arguments by the consumer that will handle it)."""
    outgoing = service.app.state.outgoing
    daughter = FamilyContact(name=f"Jo {CANARY_LEAD}", relationship="daughter", channel="email",
                             email="jo@family.invalid")
    for envelope in [
        case_opened(),
        case_opened(HELD_CHILD, notices_owed=["secretary_of_state", "ofsted"], looked_after_death=True),
        env(ScopingRequested(case_id=CHILD, case_ref="RR-2026-9E8D7C", referring_agency="police",
                             agencies=["local_authority", "police"], meeting_on=date(2027, 1, 6),
                             window_start=date(2027, 1, 4), window_end=date(2027, 1, 12),
                             complete_by=date(2027, 1, 5))),
        env(RapidReviewDecided(case_id=CHILD, case_ref="RR-2026-9E8D7C", referring_agency="police",
                               agencies=["local_authority", "police"], decision="cspr", decided_on=date(2027, 1, 6),
                               safety_actions=2, learning=3)),
        env(FinalReportReady(case_id=CHILD, case_ref="RR-2026-9E8D7C", pathway="child",
                             planned_publication_on=date(2027, 7, 1))),
        env(ReferralReturned(case_id=ADULT, pathway="adult", referring_agency="icb",
                             reasons=[f"no summary of concerns ({CANARY_SUMMARY})"])),
        env(SarScreened(case_id=ADULT, case_ref="SAR-2027-5A5A5A", referring_agency="icb",
                        outcome="proceed_to_scoping")),
        env(SarDecided(case_id=ADULT, case_ref="SAR-2027-5A5A5A", referring_agency="icb", convene=False,
                       decided_on=date(2027, 2, 10), confirmed_by_chair=True, chair_reviewed_on=date(2027, 2, 15),
                       other_steps=["learning_event"], basis="discretionary")),
        env(FamilyLetterAwaitingContact(case_id=ADULT, case_ref="SAR-2027-5A5A5A", letter="delay",
                                        owed_on=date(2027, 6, 1))),
        family_letter("family_told_of_commission", daughter),
        family_letter("family_told_of_commission", FamilyContact(
            name="Pat Unknown", relationship="son", channel="email", email=UNKNOWN_MEMBER)),
        family_letter("delay", FamilyContact(name="Alex Advocate", relationship="advocate", channel="post",
                                             postal_address="1 High Street, Exampletown, EX1 1AA"),
                      reason="criminal proceedings are under way", expected_sign_off_on=date(2027, 11, 1)),
        family_letter("delay_update", daughter, reason="criminal proceedings are under way",
                      update="the trial is listed for September"),
        family_letter("report_shared_with_family", FamilyContact(
            name="Jo Restricted", relationship="daughter", channel="email", email="jo@family.invalid",
            restriction="only through the advocate")),
    ]:
        assert await deliver(service, envelope)
    for transition in (DeadlineDueSoon, DeadlineMissed):
        assert await deliver(service, transition(
            deadline_id="d-1", key="rr.scoping_returned", case_id=CHILD, agency="school", due=date(2026, 12, 30),
            who_agency="school").envelope(producer="scheduling", occurred_at=AT))
    async with service.runtime.unit_of_work() as uow:
        owed = [
            *when_the_audit_template_is_due_send_it_to_each_agency_audit_lead(
                AUDIT, "Neglect", date(2027, 2, 10), date(2027, 2, 3), {"police": ["R2"], "icb": ["R1", "R3"]}),
            *when_the_audit_programme_is_due_send_it_to_each_invitee(
                AUDIT, "Neglect", date(2027, 2, 10), "Council offices, room 1", [("09:30", "Welcome"),
                                                                               ("10:00", "Case R1")],
                [Invitee("police", ("10:00",))]),
            *when_an_immediate_concern_is_found_escalate_it(AUDIT, "concern-1", "police", "R2", date(2027, 2, 10),
                                                            "Neglect"),
        ]
        await queue_all(uow, owed, outgoing, audit_id=AUDIT)


async def test_every_message_the_framework_names_renders_and_arrives_once(service, dispatcher, smtp_server):
    smtp_server.relay.refuse_always(UNKNOWN_MEMBER, "550 5.1.1 <no-such-person@family.invalid>: user unknown")
    await owe_every_message_the_framework_names(service)

    await dispatch_all(dispatcher)

    rows = await service.rows(notifications)
    by_id = {r["notification_id"]: r for r in rows}
    received = smtp_server.relay.received
    templates = {by_id[m["X-Safeguard-Notification"]]["template"] for m in received}
    # The training surveys, addressed by the audits service when they go, arrive over SMTP in
    # tests/integration/test_training_surveys_reach_people.py.
    expected = set(SUBJECTS) - {"training_follow_up_survey", "training_manager_survey"}
    # The Panel's rapid review template waits for the referrals service's free text (none here); it
    # arrives over SMTP in tests/integration/test_rapid_review_template_reaches_the_panel.py.
    expected -= FILLED_FROM_REFERRALS
    assert templates == expected, f"never arrived: {expected - templates}"
    assert len(received) == len(rows) - 2, "everything but the refused letter and the Panel's template arrived, once"
    assert {r["status"] for r in rows if r["template"] in FILLED_FROM_REFERRALS} == {"queued"}, "it waits"
    assert len({m["Message-ID"] for m in received}) == len(received)
    for message in received:
        row = by_id[message["X-Safeguard-Notification"]]
        assert message["Message-ID"] == row["message_id"] and message["To"] == row["recipient_address"]
        assert message["Subject"] == row["subject"] in {*SUBJECTS.values(), *ROUTED_SUBJECTS.values()}
        assert row["status"] == "sent"
        body = message.get_body(("plain",)).get_content()
        assert body.startswith("Dear ") and "{{" not in body
        for canary in (CANARY_REFERENCE, *CANARIES):
            assert canary not in message["Subject"], "no subject line names anyone"
    # The refused letter ended failed and the business unit was told, in a message of its own.
    failed = await row_of(service, status="failed")
    assert failed["recipient_address"] == UNKNOWN_MEMBER and failed["failure_reason"] == "rejected"
    [alert] = [m for m in received if by_id[m["X-Safeguard-Notification"]]["template"] == "notification_failed"]
    assert alert["To"] == BUSINESS_UNIT and "the mail relay refused it" in alert.get_content()


async def test_letters_to_families_carry_a_pdf(service, dispatcher, smtp_server):
    await owe_every_message_the_framework_names(service)
    await dispatch_all(dispatcher)
    by_template: dict[str, list] = {}
    for message in smtp_server.relay.received:
        row = await row_of(service, notification_id=message["X-Safeguard-Notification"])
        by_template.setdefault(row["template"], []).append((row, message))

    [(_, told)] = [(r, m) for r, m in by_template["sar_family_told"] if m["To"] == "jo@family.invalid"]
    [letter] = [part for part in told.iter_attachments()]
    assert letter.get_filename() == "letter.pdf" and letter.get_content_type() == "application/pdf"
    assert "safeguarding adult review" in pdf_text(letter.get_content())

    # By post: the business unit gets the letter to print, with the address to send it to.
    [(delay_row, delay)] = by_template["sar_delay_letter"]
    assert (delay["To"], delay["Subject"], delay_row["route"]) == (BUSINESS_UNIT, ROUTED_SUBJECTS["post"], "post")
    assert "1 High Street" in delay.get_body(("plain",)).get_content()
    text = pdf_text(next(delay.iter_attachments()).get_content())
    assert "Alex Advocate" in text and "EX1 1AA" in text and "criminal proceedings are under way" in text

    # A restriction is recorded: the letter is held for the business unit, not sent to the family.
    [(held_row, held)] = by_template["sar_report_shared_with_family"]
    assert (held["To"], held_row["route"], held_row["recipient_kind"]) == (BUSINESS_UNIT, "held", "family")
    assert "only through the advocate" in held.get_body(("plain",)).get_content()
    [held_sent] = [e for e in await published(service)
                   if isinstance(e, NotificationSent) and e.notification_id == held_row["notification_id"]]
    assert held_sent.route == "held", "the family does not have it yet: consumers can tell"

    # The Panel's completed rapid review template (its PDF made as it goes, with the referrals service's
    # free text): tests/integration/test_rapid_review_template_reaches_the_panel.py.


# --- exactly once -----------------------------------------------------------------------------------

async def test_the_same_triggering_event_delivered_three_times_gives_one_message(service, dispatcher, smtp_server):
    envelope = case_opened()
    handled = [await deliver(service, envelope) for _ in range(3)]
    assert await deliver(service, case_opened()), "the same fact under a new event id"

    assert await dispatch_all(dispatcher) == 1

    assert handled == [True, False, False]
    assert await service.count(inbox) == 2 and await service.count(notifications) == 1
    [message] = smtp_server.relay.received
    assert message["To"] == PANEL
    assert [type(e) for e in await published(service)] == [NotificationSent]


async def test_a_relay_that_refuses_for_now_and_then_accepts_gives_one_message_after_a_back_off(
        service, dispatcher, smtp_server):
    smtp_server.relay.refuse_first(PANEL, "451 4.7.1 greylisted: try again later")
    await deliver(service, case_opened())

    assert await dispatcher.dispatch_once() == 0
    row = await row_of(service)
    assert (row["status"], row["attempts"], row["last_code"]) == ("queued", 1, 451)
    assert row["next_attempt_at"] == AT + timedelta(seconds=60), "the first back-off"
    assert await dispatcher.dispatch_once() == 0, "not before its time"

    service.runtime.clock.set(AT + timedelta(seconds=61))
    assert await dispatcher.dispatch_once() == 1

    [message] = smtp_server.relay.received
    row = await row_of(service)
    assert (row["status"], row["attempts"]) == ("sent", 2) and message["Message-ID"] == row["message_id"]
    log = sorted(await service.rows(attempts), key=lambda a: a["attempt"])
    assert [(a["outcome"], a["code"]) for a in log] == [("retry", 451), ("sent", None)]


async def test_a_relay_that_is_down_is_tried_again_when_it_is_back(
        databases, tmp_path, issuer, make_service, over_smtp, unstarted_smtp_server):
    async with make_service(await databases.anew("notifications"), tmp_path, issuer,
                            **over_smtp(unstarted_smtp_server, retry_base_seconds=30)) as service:
        dispatcher = service.app.state.dispatcher
        await deliver(service, case_opened())

        assert await dispatcher.dispatch_once() == 0  # connection refused
        row = await row_of(service)
        assert row["status"] == "queued" and row["last_code"] is None and "Connect" in row["last_error"]

        unstarted_smtp_server.start()
        service.runtime.clock.set(AT + timedelta(seconds=31))
        assert await dispatcher.dispatch_once() == 1
        assert len(unstarted_smtp_server.relay.received) == 1


async def test_a_permanently_refused_address_ends_failed_and_alerts_the_business_unit(service, dispatcher, smtp_server):
    smtp_server.relay.refuse_always(PANEL, "550 5.1.1 <national-panel@recipients.invalid>: mailbox unavailable")
    await deliver(service, case_opened())

    await dispatch_all(dispatcher)

    failed = await row_of(service, template="serious_incident_notification")
    assert (failed["status"], failed["failure_reason"], failed["last_code"], failed["attempts"]) == (
        "failed", "rejected", 550, 1), "a 5xx is not retried"
    assert failed["failed_at"] == AT
    events = await published(service)
    [alarm] = [e for e in events if isinstance(e, NotificationFailed)]
    assert (alarm.notification_id, alarm.reason, alarm.smtp_code, alarm.case_id) == (
        failed["notification_id"], "rejected", 550, CHILD)
    assert PANEL not in alarm.model_dump_json(), "events carry no address"
    alert = await row_of(service, template="notification_failed")
    assert (alert["status"], alert["recipient_kind"], alert["case_id"]) == ("sent", "business_unit", CHILD)
    [message] = smtp_server.relay.received
    assert message["To"] == BUSINESS_UNIT and message["Subject"] == SUBJECTS["notification_failed"]
    body = message.get_content()
    assert SUBJECTS["serious_incident_notification"] in body and "550 5.1.1" in body
    assert failed["notification_id"] not in body and "the one marked failed" in body


async def test_a_message_refused_for_now_every_time_ends_failed_when_the_attempts_run_out(
        service, dispatcher, smtp_server):
    smtp_server.relay.refuse_always(PANEL, "452 4.2.2 mailbox full")
    await deliver(service, case_opened())
    for attempt in range(4):  # max_attempts=4: 60, 120, 240 seconds between them
        service.runtime.clock.set(AT + timedelta(hours=attempt))
        await dispatcher.dispatch_once()

    failed = await row_of(service, template="serious_incident_notification")
    assert (failed["status"], failed["failure_reason"], failed["attempts"]) == ("failed", "attempts_exhausted", 4)
    [alarm] = [e for e in await published(service) if isinstance(e, NotificationFailed)]
    assert alarm.reason == "attempts_exhausted" and alarm.attempts == 4
    assert [m["To"] for m in smtp_server.relay.received] == [BUSINESS_UNIT]


async def test_a_failed_alert_raises_no_alert_of_its_own(service, dispatcher, smtp_server):
    smtp_server.relay.refuse_always(PANEL, "550 no")
    smtp_server.relay.refuse_always(BUSINESS_UNIT, "550 no")
    await deliver(service, case_opened())
    await dispatch_all(dispatcher)
    statuses = sorted((r["template"], r["status"]) for r in await service.rows(notifications))
    assert statuses == [("notification_failed", "failed"), ("serious_incident_notification", "failed")]


# --- the in-doubt rule --------------------------------------------------------------------------------

class Crash(Exception):
    """The process dies here: between the relay's 250 and the row being marked sent."""


async def test_killed_between_send_and_record_the_message_is_sent_again_with_the_same_message_id(
        databases, tmp_path, issuer, make_service, over_smtp, smtp_server):
    """SMTP cannot be asked whether it has a message: the documented rule resends an in-doubt
    message with the same Message-ID (the receiving side de-duplicates on it) and records that it
    was in doubt. The restarted process is the same replica (same host and data folder), so its own
    claim is in doubt at once, on PostgreSQL too; another replica's claims wait for their lease."""
    url = await databases.anew("notifications")
    settings = over_smtp(smtp_server, sending_lease_seconds=300)
    async with make_service(url, tmp_path, issuer, **settings) as first:
        await deliver(first, case_opened())

        def crash(_notification_id: str) -> None:
            raise Crash()

        first.app.state.dispatcher.after_handover = crash
        with pytest.raises(Crash):
            await first.app.state.dispatcher.dispatch_once()
        assert (await row_of(first))["status"] == "sending"
    assert len(smtp_server.relay.received) == 1, "the relay had it before the crash"

    async with make_service(url, tmp_path, issuer, **settings) as restarted:  # the same store, a new process
        dispatcher = restarted.app.state.dispatcher
        assert await dispatcher.recover_in_doubt(at_startup=True) == 1, "its own claim: no lease to wait for"
        row = await row_of(restarted)
        assert row["status"] == "in_doubt" and row["in_doubt_at"] is not None

        assert await dispatcher.dispatch_once() == 1

        row = await row_of(restarted)
        assert row["status"] == "sent" and row["in_doubt_at"] is not None, "it records that it was in doubt"
        first_copy, second_copy = smtp_server.relay.received
        assert first_copy["Message-ID"] == second_copy["Message-ID"] == row["message_id"]
        assert bytes(first_copy) == bytes(second_copy), "the very same message"
        log = sorted(await restarted.rows(attempts), key=lambda a: a["attempt"])
        assert [a["outcome"] for a in log] == ["in_doubt", "sent"]
        assert "same Message-ID" in log[1]["detail"]
        assert [type(e) for e in await published(restarted)] == [NotificationSent]

        listed = (await restarted.client.get("/v1/notifications", params={"case_id": CHILD},
                                             headers=_bu(issuer))).json()
        assert listed[0]["status"] == "sent" and listed[0]["in_doubt_at"]


async def test_a_claim_that_outlives_its_lease_records_nothing_when_another_dispatcher_took_it_over(
        service, dispatcher, smtp_server):
    await deliver(service, case_opened())
    clock = service.runtime.clock
    original_send = dispatcher.channel.deliver

    async def slow_relay(notification_id, message):
        await original_send(notification_id, message)
        # Meanwhile the lease lapses and another dispatcher resends the message as in doubt.
        clock.set(AT + timedelta(seconds=301))
        await dispatcher.recover_in_doubt()

    dispatcher.channel.deliver = slow_relay
    first_round = dispatcher.dispatch_once()
    try:
        # The late recorder stands back; the in-doubt message is claimed afresh and sent again.
        assert await first_round == 1
    finally:
        dispatcher.channel.deliver = original_send

    row = await row_of(service)
    assert row["status"] == "sent" and row["in_doubt_at"] is not None
    assert [type(e) for e in await published(service)] == [NotificationSent], "recorded once"
    log = sorted(await service.rows(attempts), key=lambda a: a["attempt"])
    assert [a["outcome"] for a in log] == ["in_doubt", "sent"]
    assert len(set(smtp_server.relay.message_ids())) == 1


# --- replicas -----------------------------------------------------------------------------------------

async def test_a_restarting_replica_resolves_its_own_sends_at_once_and_another_replicas_after_their_lease(
        databases, tmp_path, issuer, make_service, over_smtp, smtp_server):
    url = await databases.anew("notifications")
    settings = over_smtp(smtp_server, sending_lease_seconds=300)

    def crash(_notification_id: str) -> None:
        raise Crash()

    async with make_service(url, tmp_path, issuer, replica_id="notifications-0", **settings) as a:
        await deliver(a, case_opened())
        a.app.state.dispatcher.after_handover = crash
        with pytest.raises(Crash):  # replica A dies between the relay's 250 and recording it
            await a.app.state.dispatcher.dispatch_once()
        assert (await row_of(a))["status"] == "sending"

    # On PostgreSQL replica B starts on the shared store: A's claim is A's, and B leaves it until its
    # lease lapses. (SQLite is one process to a store: whoever starts resolves every claim, as before.)
    if databases.kind == "postgresql":
        async with make_service(url, tmp_path / "b", issuer, replica_id="notifications-1", **settings) as b:
            dispatcher = b.app.state.dispatcher
            assert await dispatcher.recover_in_doubt(at_startup=True) == 0, "another replica's claim waits"
            b.runtime.clock.set(AT + timedelta(seconds=299))
            assert await dispatcher.dispatch_once() == 0
            assert (await row_of(b))["status"] == "sending"

    # Replica A restarts on the same store: its own claim is in doubt at once, not after 300 s.
    async with make_service(url, tmp_path, issuer, replica_id="notifications-0", **settings) as restarted:
        dispatcher = restarted.app.state.dispatcher
        assert await dispatcher.recover_in_doubt(at_startup=True) == 1
        assert (await row_of(restarted))["status"] == "in_doubt"
        assert await dispatcher.dispatch_once() == 1
        assert (await row_of(restarted))["status"] == "sent"
    assert len(set(smtp_server.relay.message_ids())) == 1, "one Message-ID, however often it was handed over"


async def test_two_dispatchers_on_one_store_never_send_the_same_message_twice(
        databases, tmp_path, issuer, make_service, over_smtp, smtp_server):
    url = await databases.anew("notifications")
    settings = over_smtp(smtp_server)
    async with make_service(url, tmp_path / "a", issuer, **settings) as a, \
            make_service(url, tmp_path / "b", issuer, **settings) as b:
        for n in range(12):
            await deliver(a, case_opened(f"9e8d7c6b-0000-4000-8000-{n:012d}", notices_owed=["national_panel", "ofsted",
                                                                                            "secretary_of_state"]))

        async def replica(service) -> int:
            total = 0
            for _ in range(30):
                try:
                    total += await service.app.state.dispatcher.dispatch_once()
                except Exception:  # noqa: BLE001  SQLite: "database is locked" when both write at once
                    await asyncio.sleep(0.01)
            return total

        sent = await asyncio.gather(replica(a), replica(b), replica(a), replica(b))

        ids = smtp_server.relay.message_ids()
        assert len(ids) == 36 and len(set(ids)) == 36, "each of the 36 messages arrived exactly once"
        assert sum(sent) == 36
        assert {r["status"] for r in await a.rows(notifications)} == {"sent"}
        assert len([e for e in await published(a) if isinstance(e, NotificationSent)]) == 36


# --- TLS and authentication -----------------------------------------------------------------------------

async def test_a_relay_that_requires_starttls_and_a_login_gets_both(
        sqlite_databases, tmp_path, issuer, make_service, over_smtp, tls_relay):
    settings = over_smtp(tls_relay, smtp_starttls=True, smtp_username="partnership-relay-user",
                         smtp_password="s3cret-relay-pass", smtp_ca_file=str(tls_relay.ca_file))
    async with make_service(sqlite_databases.new("notifications"), tmp_path, issuer, **settings) as service:
        await deliver(service, case_opened())
        assert await service.app.state.dispatcher.dispatch_once() == 1
    [message] = tls_relay.relay.received
    assert message["To"] == PANEL


async def test_wrong_relay_credentials_are_not_the_messages_fault_and_are_retried(
        sqlite_databases, tmp_path, issuer, make_service, over_smtp, tls_relay):
    settings = over_smtp(tls_relay, smtp_starttls=True, smtp_username="partnership-relay-user",
                         smtp_password="wrong", smtp_ca_file=str(tls_relay.ca_file))
    async with make_service(sqlite_databases.new("notifications"), tmp_path, issuer, **settings) as service:
        await deliver(service, case_opened())
        assert await service.app.state.dispatcher.dispatch_once() == 0
        row = await row_of(service)
        assert (row["status"], row["last_code"]) == ("queued", 535), row["last_error"]
    assert tls_relay.relay.received == []


def _bu(issuer) -> dict:
    from safeguard_testing.apps import bearer

    return bearer(issuer, "partnership", "business_unit")
