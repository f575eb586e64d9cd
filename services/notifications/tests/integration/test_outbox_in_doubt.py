"""The embedded default's channel (one ``.eml`` file per message) and the in-doubt rule on it: a
message left ``sending`` by a process that died is resolved at start-up by looking for its file —
there: it went, and is marked sent without a second copy; not there: it never went, and is written
now. The dispatcher's own start-up does this (no test calls it by hand in the last case)."""
from __future__ import annotations

import asyncio
import email
from datetime import UTC, date, datetime
from email import policy

import pytest

from notifications.adapters.orm import attempts, notifications, outbox
from safeguard_shared.contracts import Envelope, parse
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.referrals import CaseOpened, PanelNotificationConfirmed

CASE = "9e8d7c6b-0000-4000-8000-0000000000aa"
AT = datetime(2026, 12, 21, 10, tzinfo=UTC)


class Crash(Exception):
    pass


def case_opened(**changes) -> Envelope:
    values = dict(case_id=CASE, case_ref="RR-2026-9E8D7C", pathway="child", referring_agency="police",
                  received_on=date(2026, 12, 21), became_aware_on=date(2026, 12, 21),
                  involved_agencies=["local_authority", "police"], serious_incident=True, rapid_review=True,
                  notices_owed=["national_panel"])
    values.update(changes)
    return CaseOpened(**values).envelope(producer="referrals", occurred_at=AT)


async def deliver(service, envelope: Envelope) -> bool:
    return await service.runtime.inbox.handle_once("notifications", envelope,
                                                   service.app.state.handle_event)


def emails(service) -> list:
    folder = service.data_dir / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


async def crash_while_sending(service, *, after_the_file_landed: bool) -> dict:
    dispatcher = service.app.state.dispatcher
    if after_the_file_landed:
        def crash(_notification_id: str) -> None:
            raise Crash()
        dispatcher.after_handover = crash
    else:
        async def dies_mid_write(notification_id, message):
            raise asyncio.CancelledError()  # the process is stopped as it writes
        dispatcher.channel.deliver = dies_mid_write
    with pytest.raises((Crash, asyncio.CancelledError)):
        await dispatcher.dispatch_once()
    [row] = await service.rows(notifications)
    assert row["status"] == "sending"
    return row


@pytest.mark.parametrize("after_the_file_landed", [True, False], ids=["file-landed", "file-never-written"])
async def test_a_message_in_doubt_after_a_crash_is_resolved_at_start_up_by_looking_for_its_file(
        sqlite_databases, tmp_path, issuer, make_service, after_the_file_landed):
    url = sqlite_databases.new("notifications")
    async with make_service(url, tmp_path, issuer) as first:
        await deliver(first, case_opened())
        row = await crash_while_sending(first, after_the_file_landed=after_the_file_landed)
        landed = emails(first)
        assert len(landed) == (1 if after_the_file_landed else 0)
        before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in landed]
        await asyncio.sleep(0.02)

    async with make_service(url, tmp_path, issuer) as restarted:  # same store, same folder, new process
        dispatcher = restarted.app.state.dispatcher
        loop = asyncio.create_task(dispatcher.run())
        try:
            for _ in range(100):
                [now] = await restarted.rows(notifications)
                if now["status"] == "sent":
                    break
                await asyncio.sleep(0.05)
        finally:
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)

        assert now["status"] == "sent" and now["in_doubt_at"] is not None
        [eml] = emails(restarted)
        assert eml.name == f"{row['notification_id']}.eml"
        if after_the_file_landed:
            assert [(eml.read_bytes(), eml.stat().st_mtime_ns)] == before, "the file that went is the file that stays"
        assert email.message_from_bytes(eml.read_bytes())["Message-ID"] == row["message_id"]
        log = sorted(await restarted.rows(attempts), key=lambda a: a["attempt"])
        assert [a["outcome"] for a in log] == ["in_doubt", "already_delivered" if after_the_file_landed else "sent"]
        [sent] = [parse(Envelope.model_validate_json(r["body"])) for r in await restarted.rows(outbox)]
        assert isinstance(sent, NotificationSent) and sent.channel == "outbox"


async def test_a_full_disk_is_a_temporary_failure(sqlite_databases, tmp_path, issuer, make_service):
    async with make_service(sqlite_databases.new("notifications"), tmp_path, issuer) as service:
        (service.data_dir).mkdir(parents=True, exist_ok=True)
        (service.data_dir / "outbox").write_text("a file where the folder should be")
        await deliver(service, case_opened())
        assert await service.app.state.dispatcher.dispatch_once() == 0
        [row] = await service.rows(notifications)
        assert row["status"] == "queued" and row["attempts"] == 1 and row["last_error"]


async def test_the_panels_notice_held_for_the_local_authority_goes_once_it_is_confirmed(
        databases, tmp_path, issuer, make_service):
    async with make_service(await databases.anew("notifications"), tmp_path, issuer) as service:
        dispatcher = service.app.state.dispatcher
        await deliver(service, case_opened(notices_owed=[], panel_notice_awaiting_confirmation=True))
        assert await dispatcher.dispatch_once() == 0, "held: nothing to the Panel yet"

        confirmed = PanelNotificationConfirmed(
            case_id=CASE, case_ref="RR-2026-9E8D7C", referring_agency="police", received_on=date(2026, 12, 21),
            became_aware_on=date(2026, 12, 21), involved_agencies=["local_authority", "police"])
        assert await deliver(service, confirmed.envelope(producer="referrals", occurred_at=AT))
        assert await deliver(service, case_opened()), "and were it also owed on opening, it is the same message"
        assert await dispatcher.dispatch_once() == 1

        [row] = await service.rows(notifications)
        assert (row["template"], row["recipient_kind"], row["status"]) == (
            "serious_incident_notification", "national_panel", "sent")
        [eml] = emails(service)
        body = email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_content()
        assert "Partnership case reference: RR-2026-9E8D7C" in body
