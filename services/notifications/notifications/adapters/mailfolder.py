"""The embedded default's channel: one RFC 5322 ``.eml`` file per message in ``<data-dir>/outbox/``.

The file is named after the notification and written atomically (temporary file, then rename), so
"was it sent?" has a checkable answer after a crash: the file is there or it is not.
"""
from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path


class MailFolder:
    channel = "outbox"

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path_for(self, notification_id: str) -> Path:
        return self.directory / f"{notification_id}.eml"

    def already_delivered(self, notification_id: str) -> bool:
        return self.path_for(notification_id).exists()

    async def deliver(self, notification_id: str, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.path_for(notification_id)
        tmp = final.with_suffix(".eml.part")
        with open(tmp, "wb") as fh:
            fh.write(bytes(message))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
