"""The mail folder keeps its messages to their owner, whatever the umask of the process."""
from __future__ import annotations

import os
import stat
from email.message import EmailMessage

from notifications.adapters.mailfolder import MailFolder


async def test_every_eml_file_and_the_folder_are_private_whatever_the_umask(tmp_path) -> None:
    message = EmailMessage()
    message["Subject"] = "Rapid review due"
    message.set_content("A rapid review is due.")
    folder = MailFolder(tmp_path / "outbox")
    previous = os.umask(0o022)
    try:
        await folder.deliver("n-1", message)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(folder.path_for("n-1")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "outbox").st_mode) == 0o700
    assert folder.path_for("n-1").read_bytes() == bytes(message)
