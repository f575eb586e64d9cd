"""Production's channel: hand each message to the partnership's SMTP relay (aiosmtplib).

TLS: ``SMTP_TLS`` for implicit TLS (usually port 465); ``SMTP_STARTTLS`` true to require STARTTLS,
false to never use it, unset to upgrade whenever the relay offers it. Authentication when
``SMTP_USERNAME`` is set. What a failure means for the message:

- the relay refused the recipient, the sender or the message with a 5xx reply → permanent;
- a 4xx reply, a refused, dropped or timed-out connection → temporary (tried again later);
- the relay refused our credentials, TLS or greeting → temporary too: that is the relay's or our
  configuration's fault, not the message's, and every message would fail alike until it is fixed;
  if it never is, the attempts run out and the message ends ``failed`` with the reason.

An SMTP relay cannot be asked "did you get this one?", so this channel never claims a message was
already delivered: an in-doubt message is sent again with the same Message-ID (service README).
"""
from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib

from ..domain.delivery import DeliveryFailed, PermanentFailure, TemporaryFailure


class SmtpRelay:
    channel = "smtp"

    def __init__(self, host: str, port: int | None = None, *, username: str | None = None,
                 password: str | None = None, starttls: bool | None = None, tls: bool = False,
                 timeout: float = 60.0, ca_file: str | None = None, local_hostname: str | None = None):
        if tls and starttls:
            raise ValueError("SMTP_TLS and SMTP_STARTTLS are alternatives: set one of them")
        self.host = host
        self.port = port or (465 if tls else 587)
        self.username = username
        self.password = password
        self.starttls = starttls
        self.tls = tls
        self.timeout = timeout
        self.ca_file = ca_file
        self.local_hostname = local_hostname

    def already_delivered(self, notification_id: str) -> bool:  # noqa: ARG002
        return False

    async def deliver(self, notification_id: str, message: EmailMessage) -> None:  # noqa: ARG002
        try:
            # One bound on the whole hand-over (aiosmtplib's own timeout is per command), so a
            # dispatcher's claim never outlives NOTIFICATIONS_SENDING_LEASE_SECONDS while it waits.
            async with asyncio.timeout(self.timeout):
                await aiosmtplib.send(
                    message, hostname=self.host, port=self.port, username=self.username or None,
                    password=self.password if self.username else None, use_tls=self.tls,
                    start_tls=False if self.tls else self.starttls, timeout=self.timeout,
                    cert_bundle=self.ca_file, local_hostname=self.local_hostname)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _worst(exc.recipients) from None
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as exc:
            raise _by_code(exc.code, exc.message) from None
        except aiosmtplib.SMTPResponseException as exc:  # auth, HELO, greeting: the relay's set-up
            raise TemporaryFailure(f"{exc.code} {exc.message}", exc.code) from None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:480]) from None


def _by_code(code: int, text: str) -> DeliveryFailed:
    cls = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return cls(f"{code} {text}", code)


def _worst(refusals: list[aiosmtplib.SMTPRecipientRefused]) -> DeliveryFailed:
    # One recipient per message, but be exact if there were more: any temporary refusal means
    # the message as a whole is worth trying again.
    failures = [_by_code(r.code, r.message) for r in refusals] or [TemporaryFailure("recipients refused")]
    temporary = [f for f in failures if not f.permanent]
    return temporary[0] if temporary else failures[0]
