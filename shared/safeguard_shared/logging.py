"""Structured JSON logs that cannot carry identifying details.

Only fields on an allow-list are written: opaque ids, event types, statuses, counts and timings.
A name, a child's or adult's reference or a date of birth has no field to travel in, so a careless
``log.info(..., extra={"child": ...})`` drops it instead of leaking it. Message text is the
developer's constant string; values go in ``extra``.
"""
from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType

ALLOWED_FIELDS = frozenset(
    {
        "service", "event_id", "event_type", "schema_version", "correlation_id", "causation_id",
        "case_id", "audit_id", "deadline_id", "notification_id", "consumer", "subject", "stream",
        "status", "reason", "count", "duration_ms", "attempt", "key", "template", "recipient_kind",
        "agency", "role", "method", "path", "status_code", "port", "url", "error_type", "where",
    }
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            # FastStream may put message bodies in its log arguments: keep only its constant text.
            "msg": (record.msg if isinstance(record.msg, str) else "") if record.name.startswith("faststream")
            else record.getMessage(),
        }
        for name in ALLOWED_FIELDS:
            if name in record.__dict__ and name != "service":
                out[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type only: messages of validation errors can echo submitted values.
            out["error_type"] = record.exc_info[0].__name__
            # Where it was raised, for whoever must fix it: the innermost frames' files, lines and
            # functions, never the message or the values (a database error's message holds the row).
            out["where"] = _frames(record.exc_info[2])
        return json.dumps(out, default=str)


def _frames(tb: TracebackType | None, keep: int = 8) -> list[str]:
    frames = traceback.extract_tb(tb)[-keep:]
    return [f"{_short(frame.filename)}:{frame.lineno} in {frame.name}" for frame in frames]


def _short(filename: str) -> str:
    # From the package on ("sqlalchemy/engine/base.py"), not the machine's paths.
    for marker in ("site-packages/", "/services/", "/shared/", "/cli/"):
        if marker in filename:
            return filename.rsplit(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party loggers format their own messages with arguments (request lines, message bodies):
    # keep them quiet unless they warn, and then only their constant text is written.
    for noisy in ("uvicorn.access", "faststream", "faststream.access", "nats", "aiosqlite", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"safeguard.{name}")
