"""How a message's delivery goes: its states, what a failure means, when to try again. No I/O.

    queued ──claim──▶ sending ──relay accepted / file landed──▶ sent
       ▲                 │ ├──temporary failure (4xx, connection refused)──▶ queued, next_attempt_at later
       │                 │ └──permanent failure (5xx), or the last attempt failed──▶ failed (+ alert)
       └── in_doubt ◀────┘  the process died between handing the message over and recording the result
                            (see the service README: how an in-doubt message is resolved)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

QUEUED, SENDING, SENT, FAILED, IN_DOUBT = "queued", "sending", "sent", "failed", "in_doubt"
STATUSES = (QUEUED, SENDING, SENT, FAILED, IN_DOUBT)
# The states a dispatcher may claim a message from.
CLAIMABLE = (QUEUED, IN_DOUBT)


class DeliveryFailed(Exception):
    """A channel could not deliver. ``code`` is the relay's reply code when it gave one; ``detail``
    is its reply text (it may quote the address: it goes in the store and to the business unit,
    never in a log line or an event)."""

    permanent = False

    def __init__(self, detail: str, code: int | None = None):
        super().__init__(detail)
        self.detail = detail[:480]
        self.code = code


class TemporaryFailure(DeliveryFailed):
    """Worth trying again later: a 4xx reply, a refused or dropped connection, a timeout."""


class PermanentFailure(DeliveryFailed):
    """Trying again cannot help: the relay refused the recipient or the message with a 5xx reply."""

    permanent = True


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: ``base``, 2×, 4× … capped at ``cap``; ``max_attempts`` in all."""

    max_attempts: int = 10
    base_seconds: float = 60.0
    cap_seconds: float = 3600.0

    def delay_after(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th attempt failed for a temporary reason."""
        exponent = max(attempts - 1, 0)
        seconds = self.base_seconds * (2 ** min(exponent, 30))
        return timedelta(seconds=min(seconds, self.cap_seconds))

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


def outcome_of(failure: DeliveryFailed, attempts: int, policy: RetryPolicy) -> str:
    """``"retry"`` or ``"failed"`` after ``attempts`` attempts ended in ``failure``."""
    if failure.permanent or policy.gives_up_after(attempts):
        return FAILED
    return "retry"
