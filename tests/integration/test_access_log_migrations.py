"""A store that recorded reads before the access log keeps them: upgrading carries referrals'
``case_reads`` and notifications' ``message_reads`` over, oldest first, as the first rows of the new
chain (a message's read against its case), and the chain checks out. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect, select, text

import notifications.bootstrap
import referrals.bootstrap
from safeguard_shared.access_log import access_log, verify
from safeguard_shared.db import create_engine, session_factory
from safeguard_shared.db.migrate import upgrade

READ_AT = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)


async def migrated_with_old_reads(url: str, migrations: Path, before: str, rows: list[tuple[str, dict]]):
    engine = create_engine(url)
    await upgrade(engine, migrations, before)
    async with engine.begin() as conn:
        for sql, values in rows:
            await conn.execute(text(sql), values)
    await upgrade(engine, migrations)
    return engine


async def carried_over(engine) -> tuple[list[dict], bool, set[str]]:
    async with session_factory(engine)() as session:
        rows = [dict(r) for r in (await session.execute(select(access_log).order_by(access_log.c.seq))).mappings()]
        intact = (await verify(session)).intact
    async with engine.connect() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    await engine.dispose()
    return rows, intact, tables


async def test_referrals_reads_of_case_detail_become_the_first_rows_of_its_access_log(databases):
    later, earlier = READ_AT + timedelta(hours=1), READ_AT
    insert = ("INSERT INTO case_reads (read_id, case_id, subject, agency, read_at) "
              "VALUES (:read_id, :case_id, :subject, :agency, :read_at)")
    engine = await migrated_with_old_reads(await databases.anew("referrals"), referrals.bootstrap.MIGRATIONS, "0002", [
        (insert, {"read_id": "r2", "case_id": "case-2", "subject": "partnership:chair", "agency": "partnership",
                  "read_at": later}),
        (insert, {"read_id": "r1", "case_id": "case-1", "subject": "partnership:alex", "agency": "partnership",
                  "read_at": earlier})])

    rows, intact, tables = await carried_over(engine)

    assert [(r["seq"], r["case_id"], r["subject"], r["read_at"], r["operation"]) for r in rows] == [
        (1, "case-1", "partnership:alex", earlier, "case detail"),
        (2, "case-2", "partnership:chair", later, "case detail")]
    assert intact and "case_reads" not in tables


async def test_notifications_reads_of_messages_become_reads_of_their_case(databases):
    notification = ("INSERT INTO notifications (notification_id, idempotency_key, case_id, recipient_kind, "
                    "recipient_address, template, subject, body, route, status, message_id, channel, attempts, "
                    "queued_at, next_attempt_at) VALUES ('n-1', 'k-1', 'case-9', 'advocate', 'a@example.org', "
                    "'sar_family_told', 'A letter', 'Dear …', 'email', 'sent', '<m@x>', 'outbox', 1, :at, :at)")
    read = ("INSERT INTO message_reads (read_id, notification_id, what, subject, agency, read_at) "
            "VALUES (:read_id, 'n-1', :what, 'partnership:alex', 'partnership', :at)")
    engine = await migrated_with_old_reads(
        await databases.anew("notifications"), notifications.bootstrap.MIGRATIONS, "0004",
        [(notification, {"at": READ_AT}), (read, {"read_id": "m1", "what": "body", "at": READ_AT}),
         (read, {"read_id": "m2", "what": "pdf", "at": READ_AT + timedelta(minutes=1)})])

    rows, intact, tables = await carried_over(engine)

    assert [(r["case_id"], r["operation"], r["endpoint"]) for r in rows] == [
        ("case-9", "notifications", "GET /v1/notifications"),
        ("case-9", "letter", "GET /v1/notifications/n-1/letter.pdf")]
    assert intact and "message_reads" not in tables
