"""A SAR's delay reason in the business unit's words is not kept here (issue 12): version 1 of
``referrals.case.sar_delay_changed`` carried it, and the clock wrote it into the deadlines' reasons
and explanations, their history, the early facts and the events it published. Each such reason is
found where only a delay could have written it, then replaced, wherever it appears, by words that
say no more than that the SAR was delayed. New delays carry a code (version 2) and never write words.

Where a delay's words are found:
- a deadline paused in nobody's name (``changed_by`` NULL): only a delay pauses so; its ``status_reason``;
- "resumed after: <words>", which only the end of a delay wrote, in explanations and history;
- an early ``sar_delayed`` fact's ``reason``;
- this service's published ``scheduling.deadline.changed`` events paused in nobody's name (``by`` null).
A pause the business unit made itself (``POST /v1/deadlines/{id}/pause``) is this service's own record
and is kept as it is.

Revision ID: 0006
"""
from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

SCRUBBED = "the SAR is delayed (the reason is recorded with the case)"
RESUMED_AFTER = re.compile(r"resumed after: (.+?)\s*$")

_deadlines = sa.table("deadlines", sa.column("deadline_id", sa.String), sa.column("status", sa.String),
                      sa.column("status_reason", sa.Text), sa.column("explanation", sa.Text),
                      sa.column("changed_by", sa.String))
_history = sa.table("deadline_history", sa.column("id", sa.Integer), sa.column("detail", sa.Text))
_early = sa.table("early_facts", sa.column("id", sa.Integer), sa.column("fact", sa.String),
                  sa.column("reason", sa.Text))
_outbox = sa.table("outbox", sa.column("seq", sa.Integer), sa.column("subject", sa.String),
                   sa.column("body", sa.Text))


def _words(conn: sa.Connection) -> set[str]:
    found: set[str] = set()
    for row in conn.execute(sa.select(_deadlines).where(_deadlines.c.changed_by.is_(None))):
        if row.status == "paused" and row.status_reason:
            found.add(row.status_reason)
        for text in (row.status_reason, row.explanation):
            if text and (match := RESUMED_AFTER.search(text)):
                found.add(match.group(1))
    for (detail,) in conn.execute(sa.select(_history.c.detail)):
        if match := RESUMED_AFTER.search(detail or ""):
            found.add(match.group(1))
    for (reason,) in conn.execute(sa.select(_early.c.reason).where(_early.c.fact == "sar_delayed")):
        if reason:
            found.add(reason)
    for (body,) in conn.execute(sa.select(_outbox.c.body).where(_outbox.c.subject.like("%deadline.changed"))):
        payload = json.loads(body).get("payload", {})
        if payload.get("change") == "paused" and payload.get("by") is None and payload.get("reason"):
            found.add(payload["reason"])
    # Longest first, so that words containing other words are replaced whole; a fragment too short to
    # be anyone's words is left (it would match unrelated text).
    return {w for w in found if len(w.strip()) >= 3 and w != SCRUBBED}


def _scrub_json(value: Any, words: list[str]) -> Any:
    if isinstance(value, str):
        for w in words:
            value = value.replace(w, SCRUBBED)
        return value
    if isinstance(value, list):
        return [_scrub_json(v, words) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, words) for k, v in value.items()}
    return value


def upgrade() -> None:
    conn = op.get_bind()
    words = sorted(_words(conn), key=len, reverse=True)
    for w in words:  # in the database itself: only the rows holding the words are touched
        for table, columns in ((_deadlines, ("status_reason", "explanation")), (_history, ("detail",)),
                               (_early, ("reason",))):
            for name in columns:
                col = table.c[name]
                conn.execute(sa.update(table).where(col.contains(w, autoescape=True))
                             .values({name: sa.func.replace(col, w, SCRUBBED)}))
    if not words:
        return
    for row in conn.execute(sa.select(_outbox.c.seq, _outbox.c.body)
                            .where(_outbox.c.subject.like("%deadline.changed"))).all():
        before = json.loads(row.body)
        after = _scrub_json(before, words)
        if after != before:
            conn.execute(sa.update(_outbox).where(_outbox.c.seq == row.seq)
                         .values(body=json.dumps(after, ensure_ascii=False, separators=(",", ":"))))


def downgrade() -> None:
    """The words are gone from this store; nothing to put back."""
