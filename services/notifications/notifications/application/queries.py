"""Reading the log: which messages a case or an audit owed, how each went, and what was sent.

Every read of a case's or an audit's messages, and of a message's content (.eml, PDF), is recorded
in the access log (``record_read``), as every read of case-level data is (docs/architecture.md).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from safeguard_shared import access_log
from safeguard_shared.access_log import Read
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters.channel import Channel
from ..adapters.mime import compose
from ..adapters.orm import attachments, attempts, notifications

Row = dict[str, Any]

PUBLIC_KEYS = ["notification_id", "case_id", "audit_id", "recipient_kind", "agency", "template", "status", "route",
               "channel", "message_id", "attempts", "failure_reason", "queued_at", "next_attempt_at", "sending_at",
               "sent_at", "failed_at", "in_doubt_at", "subject"]


class NotificationNotFound(LookupError):
    """No notification has that id."""


class NoPdf(LookupError):
    """The message has no PDF (neither a letter nor an attached document)."""


async def list_notifications(uow: UnitOfWork, *, case_id: str | None, audit_id: str | None,
                             with_body: bool) -> list[Row]:
    """The messages of a case or an audit, oldest first; ``with_body`` adds what was sent, to whom,
    and each attempt."""
    n = notifications
    session = uow.session
    query = select(n).order_by(n.c.queued_at, n.c.notification_id)
    if case_id:
        query = query.where(n.c.case_id == case_id)
    if audit_id:
        query = query.where(n.c.audit_id == audit_id)
    rows = (await session.execute(query)).mappings().all()
    ids = [r["notification_id"] for r in rows]
    docs: dict[str, list[Row]] = {}
    log_rows: dict[str, list[Row]] = {}
    with_pdf: set[str] = set()
    if ids:
        for d in (await session.execute(select(attachments.c.notification_id, attachments.c.filename,
                                               attachments.c.kind, attachments.c.content_type).where(
                attachments.c.notification_id.in_(ids)))).mappings():
            docs.setdefault(d["notification_id"], []).append({"filename": d["filename"], "kind": d["kind"]})
            if d["content_type"] == "application/pdf":
                with_pdf.add(d["notification_id"])
        if with_body:
            for a in (await session.execute(select(attempts).where(attempts.c.notification_id.in_(ids)).order_by(
                    attempts.c.notification_id, attempts.c.attempt))).mappings():
                log_rows.setdefault(a["notification_id"], []).append({k: a[k] for k in (
                    "attempt", "channel", "started_at", "ended_at", "outcome", "code", "detail")})
    out = []
    for row in rows:
        item = {k: row[k] for k in PUBLIC_KEYS}
        # A PDF kept to be read again (letter.pdf); a family letter is made at each attempt and kept as
        # its text with markers only, so it has none.
        item["pdf"] = row["notification_id"] in with_pdf
        if with_body:
            item.update(body=row["body"], recipient_name=row["recipient_name"],
                        recipient_address=row["recipient_address"], last_error=row["last_error"],
                        last_code=row["last_code"], attachments=docs.get(row["notification_id"], []),
                        delivery_log=log_rows.get(row["notification_id"], []))
        out.append(item)
    return out


async def notification_with_documents(uow: UnitOfWork, notification_id: str) -> tuple[Row, list[Row]]:
    row = (await uow.session.execute(select(notifications).where(
        notifications.c.notification_id == notification_id))).mappings().first()
    if row is None:
        raise NotificationNotFound(notification_id)
    docs = (await uow.session.execute(select(attachments).where(
        attachments.c.notification_id == notification_id).order_by(attachments.c.filename))).mappings().all()
    return dict(row), [dict(d) for d in docs]


async def message_as_sent(uow: UnitOfWork, notification_id: str, channel: Channel, sender: str) -> bytes:
    """What was sent: the file itself on the outbox channel, else the message rebuilt (the same
    headers, Message-ID, body and attachments)."""
    row, docs = await notification_with_documents(uow, notification_id)
    path_for = getattr(channel, "path_for", None)
    if row["channel"] == "outbox" and path_for and path_for(row["notification_id"]).exists():
        return bytes(path_for(row["notification_id"]).read_bytes())
    return bytes(compose(row, docs, sender=sender))


async def letter_pdf(uow: UnitOfWork, notification_id: str) -> Row:
    """The PDF that goes with the message: the letter before any attached document."""
    _, docs = await notification_with_documents(uow, notification_id)
    pdfs = sorted((d for d in docs if d["content_type"] == "application/pdf"), key=lambda d: d["kind"] != "letter")
    if not pdfs:
        raise NoPdf(notification_id)
    return pdfs[0]


async def record_read(uow: UnitOfWork, reader: Principal, operation: str, *, case_id: str | None = None,
                      audit_id: str | None = None, notification_id: str | None = None) -> None:
    """Who read a case's or an audit's messages, or one message (of its case or audit), and when."""
    if notification_id is not None:
        row, _ = await notification_with_documents(uow, notification_id)
        case_id, audit_id = row["case_id"], row["audit_id"]
    await access_log.record(uow, reader, Read(operation, case_id=case_id, audit_id=audit_id))
