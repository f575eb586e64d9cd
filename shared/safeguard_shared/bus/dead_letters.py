"""Reading and redriving the dead-letter stream, for operators (``safeguard dead-letters``).

Nothing stays there for good: once the cause is mended (a service upgraded to read a newer schema
version, a missing reference recorded), a dead letter is put back on its way. Redriving republishes the
original event on its original subject under a new message id, so JetStream does not drop it as a
duplicate; every consumer of that stream sees it again, and those that had already handled the event
find its id in their inbox and do nothing. The dead letter is then removed from the stream.

What is listed is metadata only (sequence, consumer, reason, subject, event type and id, attempts):
events carry no identifying details, and neither does this listing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nats
from nats.js import JetStreamContext

from .names import DEAD_LETTERS, BusNames


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    consumer: str
    reason: str
    original_subject: str
    original_stream: str
    original_sequence: int
    attempts: int
    event_type: str | None
    event_id: str | None
    dead_lettered_at: datetime | None
    data: bytes

    def summary(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "consumer": self.consumer, "reason": self.reason,
                "subject": self.original_subject, "event_type": self.event_type, "event_id": self.event_id,
                "attempts": self.attempts,
                "dead_lettered_at": self.dead_lettered_at.isoformat() if self.dead_lettered_at else None}


def _event_identity(data: bytes) -> tuple[str | None, str | None]:
    try:
        body = json.loads(data)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    return body.get("event_type"), body.get("event_id")


async def list_dead_letters(js: JetStreamContext, names: BusNames) -> list[DeadLetter]:
    """Every dead letter still in the stream, oldest first."""
    stream = names.stream(DEAD_LETTERS)
    info = await js.stream_info(stream)
    letters: list[DeadLetter] = []
    if info.state.messages == 0:
        return letters
    seq = info.state.first_seq
    while seq <= info.state.last_seq:
        try:
            raw = await js.get_msg(stream, seq)
        except nats.js.errors.NotFoundError:  # deleted (redriven) messages leave gaps
            seq += 1
            continue
        headers = raw.headers or {}
        event_type, event_id = _event_identity(raw.data or b"")
        letters.append(DeadLetter(
            sequence=seq, consumer=headers.get("Safeguard-Consumer", "?"),
            reason=headers.get("Safeguard-Reason", ""),
            original_subject=headers.get("Safeguard-Original-Subject", ""),
            original_stream=headers.get("Safeguard-Original-Stream", ""),
            original_sequence=int(headers.get("Safeguard-Original-Sequence", "0") or 0),
            attempts=int(headers.get("Safeguard-Attempts", "0") or 0),
            event_type=event_type, event_id=event_id, dead_lettered_at=getattr(raw, "time", None),
            data=raw.data or b""))
        seq += 1
    return letters


async def redrive(js: JetStreamContext, names: BusNames, *, sequences: set[int] | None = None,
                  consumer: str | None = None, everything: bool = False) -> list[DeadLetter]:
    """Put dead letters back on their way: those with the given ``sequences``, or those of one
    ``consumer``, or ``everything``. Returns what was redriven."""
    if not (sequences or consumer or everything):
        raise ValueError("say which dead letters to redrive: by sequence, by consumer, or all")
    chosen = [letter for letter in await list_dead_letters(js, names)
              if everything or (sequences and letter.sequence in sequences)
              or (consumer and letter.consumer == consumer)]
    for letter in chosen:
        if not letter.original_subject or not letter.original_stream:
            continue  # not one of ours: leave it for a person to look at
        await js.publish(letter.original_subject, letter.data, stream=letter.original_stream,
                         headers={"Nats-Msg-Id": f"redrive:{letter.original_stream}:{letter.original_sequence}:"
                                                 f"{letter.sequence}",
                                  "Safeguard-Redriven-From": str(letter.sequence)})
        await js.delete_msg(names.stream(DEAD_LETTERS), letter.sequence)
    return chosen
