"""Where a service's CPU goes, by library: each py-spy sample counted to the library whose code was
running when it was taken (its innermost Python frame).

Reads the collapsed stacks that ``bench/e2e_throughput.py --py-spy FILE --py-spy-service NAME
--py-spy-gil`` writes (py-spy's ``raw`` format: one stack a line, frames joined by ``;``, then the
count). A frame's module path starts with its top-level package (``sqlalchemy/engine/base.py``) or
the standard library's module (``email/message.py``, ``asyncio/events.py``):

- SQLAlchemy's own frames, and its greenlet switches (``greenlet_spawn``, ``await_``), are
  "sqlalchemy";
- the statement's call on the ``sqlite3`` cursor and the commit (``safeguard_shared/db/sqlite.py``,
  ``aiosqlite``) are "sqlite3 (the driver and SQLite)": C code has no frame of its own, so its time
  is counted to the Python frame that called it;
- the services' and shared code (``safeguard_shared``, ``scheduling``, ``notifications`` …) are
  "the services' own code".

    .venv/bin/python bench/e2e_throughput.py --referrals 600 --no-baseline \\
        --py-spy /tmp/scheduling.txt --py-spy-service scheduling --py-spy-gil
    .venv/bin/python bench/profile_shares.py /tmp/scheduling.txt [more files …]

Figures go in the issue's notes and docs/observability.md, never into a test.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

OWN_CODE = "the services' own code"
DRIVER = "sqlite3 (the driver and SQLite)"
OURS = {"safeguard_shared", "safeguard_cli", "referrals", "scheduling", "notifications", "audits", "reporting",
        "workspace"}
_STDLIB_GROUPS = {"asyncio": "asyncio", "selectors.py": "asyncio", "email": "email (standard library)",
                  "json": "json (standard library)", "logging": "logging (standard library)"}


def library(frame: str) -> str:
    """The library a frame's code belongs to: ``"Session.execute (sqlalchemy/orm/session.py:2555)"``
    is SQLAlchemy's."""
    name, _, where = frame.rpartition(" (")
    path = where.rsplit(":", 1)[0]
    top = path.split("/", 1)[0]
    if not top:
        return "no Python frame (py-spy saw only native code)"
    if top == "sqlalchemy" or path.startswith("<sqlalchemy"):
        return "sqlalchemy"
    if path == "safeguard_shared/db/sqlite.py" and name in ("_waiting_out_locks", "_InlineCursor.execute",
                                                            "_InlineCursor.executemany", "_RunAtOnce.put_nowait"):
        return DRIVER
    if top == "aiosqlite":
        return DRIVER
    if top in OURS:
        return OWN_CODE
    if top in _STDLIB_GROUPS:
        return _STDLIB_GROUPS[top]
    if top.endswith(".py") or top.startswith("<") or top in sys.stdlib_module_names:
        return "the rest of the standard library"
    return top


def shares(lines: list[str]) -> tuple[int, Counter[str]]:
    """Samples in all, and by the library of each sample's innermost frame."""
    total, by = 0, Counter[str]()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        by[library(stack.split(";")[-1])] += n
    return total, by


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="collapsed stacks from py-spy (raw format)")
    parser.add_argument("--top", type=int, default=8, help="libraries shown for each file")
    args = parser.parse_args()
    for path in args.files:
        total, by = shares(path.read_text().splitlines())
        if not total:
            print(f"{path}: no samples", file=sys.stderr)
            continue
        listed = ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in by.most_common(args.top))
        print(f"{path.name} ({total} samples): {listed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
