"""The hash chain of the access log: each row carries the hash of the row before it and its own hash
over its fields and that previous hash, so a row changed, removed, inserted or moved after it was
written no longer fits the chain. No I/O here: the store (store.py) reads and writes the rows.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

# The "previous hash" of the first row.
GENESIS = "0" * 64
# The fields a row's hash covers, in this order (its own hash excepted).
HASHED = ("seq", "read_at", "subject", "agency", "roles", "operation", "endpoint", "case_id", "audit_id",
          "prev_hash")
# A verdict lists this many problems at most (and counts them all).
MOST_PROBLEMS = 20


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the row's fields and the previous row's hash, written canonically (the instant
    in UTC to the microsecond, absent ids as empty text)."""
    fields = [row["seq"], row["read_at"].astimezone(UTC).isoformat(timespec="microseconds"),
              *(row[name] or "" for name in HASHED[2:])]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def chained(entries: list[dict[str, Any]], *, after_seq: int, after_hash: str) -> list[dict[str, Any]]:
    """``entries`` (every field but seq and the hashes) numbered on from ``after_seq`` and chained on
    from ``after_hash``: the rows to insert, in order."""
    rows = []
    previous = after_hash
    for number, entry in enumerate(entries, start=after_seq + 1):
        row = {**entry, "seq": number, "prev_hash": previous}
        row["row_hash"] = previous = row_hash(row)
        rows.append(row)
    return rows


@dataclass
class Verdict:
    """What checking the chain found: how many rows, the last one (to keep: a later check that finds
    fewer rows, or another last hash, shows the end was cut off) and every break."""

    rows: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def intact(self) -> bool:
        return self.problem_count == 0


class ChainCheck:
    """Fed the rows in order of ``seq``, one at a time (a long log is never held in memory whole)."""

    def __init__(self) -> None:
        self.verdict = Verdict()

    def _problem(self, text: str) -> None:
        self.verdict.problem_count += 1
        if len(self.verdict.problems) < MOST_PROBLEMS:
            self.verdict.problems.append(text)

    def add(self, row: Mapping[str, Any]) -> None:
        v = self.verdict
        seq = row["seq"]
        if seq != v.last_seq + 1:
            missing = f"row {v.last_seq + 1}" if seq == v.last_seq + 2 else f"rows {v.last_seq + 1} to {seq - 1}"
            self._problem(f"row {seq} comes after row {v.last_seq}: {missing} removed")
        elif row["prev_hash"] != v.last_hash:
            self._problem(f"row {seq} does not follow row {v.last_seq}: the hash it keeps of the row before is "
                          "not that row's (a row before it was changed, removed or put in)")
        if row_hash(row) != row["row_hash"]:
            self._problem(f"row {seq} was changed after it was written: its contents do not match its hash")
        v.rows += 1
        v.last_seq = seq
        v.last_hash = row["row_hash"]
