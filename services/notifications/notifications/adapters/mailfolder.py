"""The embedded default's channel: one RFC 5322 ``.eml`` file per message in ``<data-dir>/outbox/``.

The file is named after the notification and written atomically (temporary file, fsync, rename),
so "was it sent?" has a checkable answer after a crash: the file is there or it is not. That is
how an in-doubt message is resolved on this channel (service README). Every file is 0600 and the
folder, when made here, 0700.
"""
from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

from ..domain.delivery import TemporaryFailure


class MailFolder:
    channel = "outbox"

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path_for(self, notification_id: str) -> Path:
        return self.directory / f"{notification_id}.eml"

    def already_delivered(self, notification_id: str) -> bool:
        return self.path_for(notification_id).exists()

    async def deliver(self, notification_id: str, message: EmailMessage) -> None:
        final = self.path_for(notification_id)
        if final.exists():
            return  # it landed before a crash: the file that went is the file that stays
        tmp = final.with_suffix(".eml.part")
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            # 0600 whatever the process's umask (this adapter may run outside ``safeguard up``): a
            # message names children and adults. A part file left by a crash is replaced.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(bytes(message))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
            _fsync_dir(self.directory)
        except OSError as exc:  # a full or read-only disk: worth trying again once it is fixed
            raise TemporaryFailure(f"{type(exc).__name__}: {exc.strerror or exc}") from None


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk too.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
