"""A message is composed with the header classes made once (adapters/mime.py): it must still be, byte for
byte, the message the standard library's own policy composes, attachments and invitations included."""
from __future__ import annotations

import email.message
from datetime import UTC, datetime

import pytest

from notifications.adapters import mime

ROW = dict(recipient_address="national-panel@recipients.invalid",
           subject="Serious incident notification from the safeguarding partnership",
           message_id="<k1@safeguard.local>", queued_at=datetime(2026, 12, 21, 10, tzinfo=UTC),
           notification_id="3f09c1aa-0000-4000-8000-000000000000", idempotency_key="k1",
           body="Dear Panel,\n\nThe partnership notifies you of a serious incident (case RR-2026-9E8D7C).\n")
INVITATION = dict(content_type="text/calendar", filename="invitation.ics",
                  content=b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n")
LETTER = dict(content_type="application/pdf", filename="letter.pdf", content=b"%PDF-1.7 not really")


@pytest.mark.parametrize("docs", [[], [LETTER], [INVITATION, LETTER]], ids=["plain", "a letter", "an invitation"])
def test_the_bytes_are_the_standard_librarys(monkeypatch, docs):
    ours = bytes(mime.compose(ROW, docs, sender="Partnership <noreply@partnership.invalid>"))
    monkeypatch.setattr(mime, "POLICY", email.message.EmailMessage().policy)  # the library's own default
    theirs = bytes(mime.compose(ROW, docs, sender="Partnership <noreply@partnership.invalid>"))
    assert ours == theirs
    assert b"Subject: Serious incident notification" in ours
