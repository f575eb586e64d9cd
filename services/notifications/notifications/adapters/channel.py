"""What a channel is: something that hands a message over and, where it can, says whether a message
already went. Two implement it: the mail folder (mailfolder.py) and the SMTP relay (smtp.py)."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Channel(Protocol):
    channel: str  # its name in the store and in metrics: "outbox" or "smtp"

    def already_delivered(self, notification_id: str) -> bool: ...

    async def deliver(self, notification_id: str, message: EmailMessage) -> None: ...
