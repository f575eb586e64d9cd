"""A stored message as the RFC 5322 message every channel hands over: the same bytes on every attempt."""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any


class _HeaderClasses(HeaderRegistry):
    """The standard library's registry makes a new class each time a header is set (``type()`` in
    ``HeaderRegistry.__getitem__``): a third of the time taken to compose a message. The class for a
    header's name is the same each time, so it is made once; the bytes are the same."""

    @functools.cache  # noqa: B019 - one registry for the life of the process
    def __getitem__(self, name: str) -> type[BaseHeader]:
        return super().__getitem__(name)


# The standard policy (``email.policy.default``), with the header classes made once.
POLICY = policy.default.clone(header_factory=_HeaderClasses())


def compose(row: Mapping[str, Any], docs: Iterable[Mapping[str, Any]] = (), *, sender: str) -> EmailMessage:
    """The message for a stored notification row and its attachments (one Message-ID for its life)."""
    docs = list(docs)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = row["recipient_address"]
    msg["Subject"] = row["subject"]
    msg["Message-ID"] = row["message_id"]
    msg["Date"] = format_datetime(row["queued_at"])
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a notice
    msg["X-Safeguard-Notification"] = row["notification_id"]
    msg.set_content(row["body"])
    invitations = [doc for doc in docs if doc["content_type"] == "text/calendar"]
    for doc in invitations:
        # A meeting request as Outlook expects it: text/calendar; method=REQUEST, an alternative to the text.
        msg.add_alternative(doc["content"].decode(), subtype="calendar", params={"method": "REQUEST"})
    for doc in docs:
        # The invitation also as a file (application/ics), for mail programs that ignore the alternative.
        maintype, subtype = ("application", "ics") if doc in invitations else doc["content_type"].split("/", 1)
        msg.add_attachment(doc["content"], maintype=maintype, subtype=subtype, filename=doc["filename"])
    if docs:
        # The same bytes on every attempt: fixed boundaries instead of random ones.
        msg.set_boundary(f"=_safeguard_{row['idempotency_key']}")
        for n, part in enumerate(p for p in msg.iter_parts() if p.is_multipart()):
            part.set_boundary(f"=_safeguard_{row['idempotency_key']}_{n}")
    return msg
