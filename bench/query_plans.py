"""A pytest plugin that lists every statement the tests ran on a SQLite store whose plan reads a whole
table: a lookup that costs more as a partnership's cases grow (bench, not a test: it asserts nothing).

    PYTHONPATH=bench .venv/bin/python -m pytest -q -p no:randomly -p query_plans -k sqlite \\
        tests/integration/test_children_pathway.py tests/integration/test_adults_pathway.py
    # then read /tmp/query-plans.txt (or QUERY_PLANS_OUT)

Each distinct SELECT, UPDATE or DELETE is captured as it runs (SQLAlchemy's ``before_cursor_execute``),
and when the session ends it is explained (``EXPLAIN QUERY PLAN``) against the store it ran on, with
the parameters it first ran with. A "SCAN <table>" that is not through a covering index is written out.
Expected among them: the reporting service's reports, which read their read models whole; migrations;
Alembic's version table; the tests' own look at an outbox.
"""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_SEEN: dict[tuple[str, str], Any] = {}


@event.listens_for(Engine, "before_cursor_execute")
def _capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    if conn.engine.dialect.name != "sqlite":
        return
    database = conn.engine.url.database
    if not database or database == ":memory:":
        return
    if statement.lstrip().split(None, 1)[0].upper() not in ("SELECT", "UPDATE", "DELETE", "WITH"):
        return
    _SEEN.setdefault((database, statement), parameters[0] if executemany else parameters)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    found: dict[tuple[str, str], list[str]] = {}
    for (database, statement), parameters in _SEEN.items():
        if not os.path.exists(database):
            continue
        try:
            with sqlite3.connect(database) as conn:
                plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ())]
        except sqlite3.Error:
            continue
        if any(re.match(r"SCAN (?!CONSTANT)", step) and "COVERING INDEX" not in step for step in plan):
            store = re.sub(r"-\w+$", "", Path(database).stem)  # the tests' stores are "<service>-<suffix>"
            found.setdefault((store, " ".join(statement.split())), plan)
    out = Path(os.environ.get("QUERY_PLANS_OUT", "/tmp/query-plans.txt"))
    out.write_text("".join(f"[{store}] {statement}\n    {plan}\n\n"
                           for (store, statement), plan in sorted(found.items())))
    print(f"\n{len(found)} statements read a whole table: {out}")
