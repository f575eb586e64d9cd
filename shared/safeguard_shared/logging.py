"""Structured JSON logs that cannot carry identifying details.

Only fields on an allow-list are written: opaque ids, event types, statuses, counts and timings.
A name, a child's or adult's reference or a date of birth has no field to travel in, so a careless
``log.info(..., extra={"child": ...})`` drops it instead of leaking it. Message text is the
developer's constant string; values go in ``extra``. Another library's message keeps its constant
text only (the web server's and the migrations' keep their own values), and a traceback, whether
attached to the record or written as its text (uvicorn's for a service that fails to start), only
the exception's type and the frames it was raised through.
"""
from __future__ import annotations

import json
import logging
import re
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
            "msg": _message(record),
        }
        for name in ALLOWED_FIELDS:
            if name in record.__dict__ and name != "service":
                out[name] = record.__dict__[name]
        if isinstance(record.msg, str) and record.msg.startswith(_TRACEBACK):
            out.update(_from_traceback_text(record.msg))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type only: messages of validation errors can echo submitted values.
            out["error_type"] = record.exc_info[0].__name__
            # Where it was raised, for whoever must fix it: the innermost frames' files, lines and
            # functions, never the message or the values (a database error's message holds the row).
            out["where"] = _frames(record.exc_info[2])
        return json.dumps(out, default=str)


_TRACEBACK = "Traceback (most recent call last)"
# A traceback's frame line: '  File "/…/site-packages/x/y.py", line 12, in name'.
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<name>.+)$')
# Loggers whose formatted messages carry only the software's own values: this project's, the web
# server's (addresses, ports, process ids) and the migrations' (revision ids and their titles).
_OWN_VALUES = ("safeguard", "uvicorn", "alembic")


def _message(record: logging.LogRecord) -> str:
    """This project's messages (constant text, values in ``extra``) and the web server's as they are;
    another library's only as its constant text, without the values formatted into it (FastStream's
    message bodies, a statement's parameters); a traceback written as text, never (see format)."""
    constant = record.msg if isinstance(record.msg, str) else ""
    if constant.startswith(_TRACEBACK):
        return "an exception was raised (its type and frames follow; its text is left out)"
    if record.name.split(".", 1)[0] in _OWN_VALUES:
        return record.getMessage()
    return constant


def _from_traceback_text(text: str, keep: int = 8) -> dict[str, object]:
    """The exception's type and frames from a traceback written as text (uvicorn logs an application
    that fails to start so), without its message: the last line is "module.Type: message"."""
    lines = text.rstrip().splitlines()
    frames = [m for m in (_FRAME.match(line) for line in lines) if m]
    last = lines[-1] if lines else ""
    error_type = last.split(":", 1)[0].strip().rsplit(".", 1)[-1] if ":" in last else last.strip()
    return {"error_type": error_type if error_type.isidentifier() else "unknown",
            "where": [f"{_short(m['file'])}:{m['line']} in {m['name']}" for m in frames[-keep:]]}


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
