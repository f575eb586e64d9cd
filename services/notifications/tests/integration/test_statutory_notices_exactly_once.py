"""The national Panel hears of a serious incident once: however often the CaseOpened arrives, and
even when the service dies between writing the e-mail and recording that it went.

The event table and the dispatcher are the ones the bootstrap wires, the channel the embedded
default's mail folder (one ``.eml`` file per message). Events reach the table through the service's
own Inbox, as the consumer hands them over; the store is migrated on SQLite and PostgreSQL and no
background loop runs, so only the test dispatches.
"""
from __future__ import annotations

import asyncio
import email
from datetime import UTC, date, datetime
from email import policy

import pytest
from sqlalchemy import event

from notifications.adapters.mime import compose
from notifications.adapters.orm import inbox, notifications, outbox
from safeguard_shared.contracts import Envelope, parse
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_testing.apps import CANARIES, bearer, migrated

CASE = "9e8d7c6b-0000-4000-8000-0000000000aa"
CASE_REF = "RR-2026-9E8D7C"


def case_opened(**changes) -> Envelope:
    """What the referrals service publishes for the example referral in docs/architecture.md: a serious incident."""
    values = dict(case_id=CASE, case_ref=CASE_REF, pathway="child", referring_agency="police",
                  received_on=date(2026, 12, 21), became_aware_on=date(2026, 12, 21),
                  involved_agencies=["local_authority", "police", "icb", "school"], serious_incident=True,
                  rapid_review=True, notices_owed=["national_panel"])
    values.update(changes)
    return CaseOpened(**values).envelope(producer="referrals",
                                         occurred_at=datetime(2026, 12, 21, 10, tzinfo=UTC))


@pytest.fixture
async def service(databases, tmp_path, issuer):
    async with migrated("notifications", database_url=await databases.at_head("notifications"), data_dir=tmp_path,
                        issuer=issuer) as running:
        yield running


@pytest.fixture
def dispatcher(service):
    return service.app.state.dispatcher


@pytest.fixture
def mail_folder(service, dispatcher):
    folder = service.data_dir / "outbox"
    assert dispatcher.channel.directory == folder, "the test's own outbox folder, not ./var"
    return folder


async def deliver(service, env: Envelope) -> bool:
    return await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)


def emails(folder) -> list:
    return sorted(folder.glob("*.eml")) if folder.exists() else []


async def test_a_serious_incident_queues_one_notification_to_the_national_panel(service):
    assert await deliver(service, case_opened())

    [row] = await service.rows(notifications)
    assert row["recipient_kind"] == "national_panel"
    assert row["template"] == "serious_incident_notification"
    assert row["recipient_address"] == "national-panel@recipients.invalid"
    assert row["status"] == "queued" and row["case_id"] == CASE


async def test_the_same_case_opened_handled_three_times_sends_one_email(service, dispatcher, mail_folder):
    env = case_opened()

    handled = [await deliver(service, env) for _ in range(3)]
    sent = [await dispatcher.dispatch_once() for _ in range(2)]

    assert handled == [True, False, False], "the inbox recognises the redeliveries"
    assert sent == [1, 0]
    assert await service.count(inbox) == 1
    [row] = await service.rows(notifications)
    assert row["status"] == "sent" and row["attempts"] == 1
    [eml] = emails(mail_folder)
    assert eml.name == f"{row['notification_id']}.eml"


async def test_the_same_fact_under_a_new_event_id_still_sends_one_email(service, dispatcher, mail_folder):
    """Past the inbox: the message's idempotency key names what, to whom and for which case."""
    assert await deliver(service, case_opened()) and await deliver(service, case_opened())

    assert await dispatcher.dispatch_once() == 1
    assert await service.count(notifications) == 1
    assert len(emails(mail_folder)) == 1


async def test_the_email_is_a_readable_message_whose_subject_names_no_case(service, dispatcher, mail_folder):
    await deliver(service, case_opened())
    await dispatcher.dispatch_once()

    [eml] = emails(mail_folder)
    raw = eml.read_bytes()
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "national-panel@recipients.invalid"
    assert message["Subject"] == "Serious incident notification from the safeguarding partnership"
    for secret in (CASE_REF, CASE, *CANARIES):
        assert secret not in message["Subject"]
    for canary in CANARIES:
        assert canary.encode() not in raw
    body = message.get_content()
    assert body.startswith("Dear Child Safeguarding Practice Review Panel,")
    assert f"Partnership case reference: {CASE_REF}" in body, "the body names the partnership's own reference"
    [row] = await service.rows(notifications)
    assert message["Message-ID"] == row["message_id"] == f"<{row['idempotency_key']}@safeguard.local>"


async def test_a_crash_after_the_email_was_written_and_before_it_was_recorded_sends_no_second_copy(
        service, dispatcher, mail_folder):
    await deliver(service, case_opened())
    [row] = await service.rows(notifications)
    # The crash: the channel wrote the e-mail, then the process died before the row was marked sent.
    await dispatcher.channel.deliver(row["notification_id"], compose(row, sender=dispatcher.sender))
    [eml] = emails(mail_folder)
    written = eml.read_bytes(), eml.stat().st_mtime_ns
    await asyncio.sleep(0.05)  # a second write would now show a later modification time

    assert await dispatcher.dispatch_once() == 1  # after the restart

    assert emails(mail_folder) == [eml]
    assert (eml.read_bytes(), eml.stat().st_mtime_ns) == written, "the file that went is the file that stays"
    [after] = await service.rows(notifications)
    assert after["status"] == "sent"
    [sent] = [parse(Envelope.model_validate_json(r["body"])) for r in await service.rows(outbox)]
    assert isinstance(sent, NotificationSent) and sent.notification_id == row["notification_id"]
    assert (sent.recipient_kind, sent.channel, sent.sent_on) == ("national_panel", "outbox", date(2026, 12, 21))


async def test_a_half_written_email_is_not_taken_for_a_sent_one(service, dispatcher, mail_folder):
    await deliver(service, case_opened())
    [row] = await service.rows(notifications)
    mail_folder.mkdir(parents=True, exist_ok=True)
    # The crash came mid-write: only the temporary file exists, cut short.
    (mail_folder / f"{row['notification_id']}.eml.part").write_bytes(b"From: safeguarding-partnership@loc")

    assert await dispatcher.dispatch_once() == 1

    [eml] = emails(mail_folder)
    assert email.message_from_bytes(eml.read_bytes())["To"] == "national-panel@recipients.invalid"
    assert not list(mail_folder.glob("*.part"))


async def test_a_looked_after_childs_death_is_notified_to_the_secretary_of_state_and_ofsted(
        service, dispatcher, mail_folder):
    await deliver(service, case_opened(serious_incident=False, looked_after_death=True, rapid_review=False,
                                       notices_owed=["secretary_of_state", "ofsted"]))
    await dispatcher.dispatch_once()

    rows = await service.rows(notifications)
    assert sorted((r["recipient_kind"], r["template"]) for r in rows) == [
        ("ofsted", "looked_after_child_death_notice"), ("secretary_of_state", "looked_after_child_death_notice")]
    recipients = sorted(email.message_from_bytes(p.read_bytes())["To"] for p in emails(mail_folder))
    assert recipients == ["dfe-notifications@recipients.invalid", "ofsted-notifications@recipients.invalid"]


async def test_a_referral_that_owes_no_statutory_notice_sends_nothing(service, dispatcher, mail_folder):
    await deliver(service, case_opened(serious_incident=False, rapid_review=False, notices_owed=[]))

    assert await dispatcher.dispatch_once() == 0
    assert await service.count(notifications) == 0 and emails(mail_folder) == []


async def test_the_business_unit_lists_the_case_notifications_with_their_status(service, dispatcher, issuer):
    await deliver(service, case_opened())
    business_unit = bearer(issuer, "partnership", "business_unit")
    listed = lambda: service.client.get("/v1/notifications", params={"case_id": CASE}, headers=business_unit)  # noqa: E731

    [queued] = (await listed()).json()
    assert (queued["recipient_kind"], queued["status"]) == ("national_panel", "queued")
    await dispatcher.dispatch_once()
    [sent] = (await listed()).json()
    assert (sent["recipient_kind"], sent["template"], sent["status"]) == (
        "national_panel", "serious_incident_notification", "sent")
    assert sent["sent_at"]


async def test_notifications_are_not_for_agency_referrers_nor_anonymous_callers(service, issuer):
    await deliver(service, case_opened())
    path, params = "/v1/notifications", {"case_id": CASE}

    assert (await service.client.get(path, params=params)).status_code == 401
    as_a_referrer = bearer(issuer, "police", "referrer")
    assert (await service.client.get(path, params=params, headers=as_a_referrer)).status_code == 403
    neither = await service.client.get(path, headers=bearer(issuer, "partnership", "business_unit"))
    assert neither.status_code == 422 and neither.json()["detail"][0]["loc"] == ["query", "case_id"]


async def test_a_dispatcher_woken_just_before_shutdown_still_stops(sqlite_databases, tmp_path, issuer, monkeypatch):
    """Regression: a wake and a cancel landing together once left the dispatcher running (Python 3.11)."""
    async with migrated("notifications", database_url=sqlite_databases.new("notifications"), data_dir=tmp_path,
                        issuer=issuer) as service:
        await _woken_and_cancelled_at_once(service.app.state.dispatcher, monkeypatch)


async def _woken_and_cancelled_at_once(dispatcher, monkeypatch) -> None:
    async def nothing_queued() -> int:
        return 0

    # The dispatcher spends its life waiting to be woken; only its waiting is under test here.
    monkeypatch.setattr(dispatcher, "dispatch_once", nothing_queued)
    loop = asyncio.create_task(dispatcher.run())
    await asyncio.sleep(0.1)

    dispatcher.wake()      # a consumer has just committed a message to send...
    loop.cancel()  # ...as the service is told to stop
    done, _ = await asyncio.wait([loop], timeout=1)

    try:
        assert loop in done, "the dispatcher ignored its cancellation"
    finally:
        for _ in range(50):
            if loop.done():
                break
            loop.cancel()
            await asyncio.wait([loop], timeout=0.1)


async def test_a_consumers_commit_wakes_the_dispatcher_only_when_it_queued_a_message(service, dispatcher):
    """A round of the dispatcher is two transactions on the store, and most events a consumer commits
    queue nothing: a case opened that owes no notice (the local authority confirms it first) leaves the
    dispatcher to its next poll; the serious incident that owes the Panel's notice wakes it."""
    dispatcher.wake_if_queued()
    dispatcher._wake.clear()  # noqa: SLF001 - start from a dispatcher that has just finished a round
    assert await deliver(service, case_opened(notices_owed=[]))
    dispatcher.wake_if_queued()
    assert not dispatcher.woken, "nothing was queued: no round"
    assert await deliver(service, case_opened(case_id="9e8d7c6b-0000-4000-8000-0000000000ff",
                                              case_ref="RR-2026-9E8D7F"))
    dispatcher.wake_if_queued()
    assert dispatcher.woken, "the Panel's notice was queued: a round now"


async def test_a_message_without_documents_is_sent_without_looking_for_them(service, dispatcher, mail_folder):
    """Most messages carry no document: the claim says so, and no query for attachments is run for them
    (it was one statement of the ten each message cost). A message with documents is covered by the
    letters' tests, which open the PDF attached."""
    await deliver(service, case_opened())
    looked_for: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT notification_attachments."):
            looked_for.append(statement)

    event.listen(service.runtime.engine.sync_engine, "before_cursor_execute", count)
    assert await dispatcher.dispatch_once() == 1
    [eml] = emails(mail_folder)
    assert not email.message_from_bytes(eml.read_bytes(), policy=policy.default).is_multipart()
    assert looked_for == []
