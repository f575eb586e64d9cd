"""A real SMTP server for tests (aiosmtpd), in its own thread: the tests tell it, per address, which
replies to give (``451`` now, then accept; ``550`` always …) and read back every message it accepted,
parsed. The notifications service's tests and the cross-service tests both use it."""
from __future__ import annotations

import email
import threading
from email import policy
from typing import Any

from aiosmtpd.controller import Controller

from .ports import free_port


class ScriptedRelay:
    """aiosmtpd handler: accepts mail unless told otherwise, and keeps what it accepted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.then: dict[str, list[str]] = {}   # address -> replies to give first, in order
        self.always: dict[str, str] = {}       # address -> the reply every time
        self.on_data: list[str] = []           # replies to DATA to give first, in order
        self.rcpt_seen: list[str] = []

    def refuse_first(self, address: str, *replies: str) -> None:
        self.then.setdefault(address, []).extend(replies)

    def refuse_always(self, address: str, reply: str) -> None:
        self.always[address] = reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: Any) -> str:
        with self.lock:
            self.rcpt_seen.append(address)
            if address in self.always:
                return self.always[address]
            queued = self.then.get(address)
            if queued:
                return queued.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            if self.on_data:
                return self.on_data.pop(0)
            self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.received]


class SmtpServer:
    def __init__(self, port: int | None = None, **smtp_options: Any) -> None:
        self.port = port or free_port()
        self.relay = ScriptedRelay()
        self.smtp_options = smtp_options
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.relay, hostname="127.0.0.1", port=self.port, ready_timeout=10,
                                     **self.smtp_options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None
