"""``safeguard access-log verify``: check each service's access log, row by row, against its hash chain.

Each service keeps its own log in its own store: ``<NAME>_DATABASE_URL`` when set, else the data
folder's SQLite file, as the service itself would find it. Exits 0 when every chain checked is whole,
1 when one is broken, 2 when a store cannot be read.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safeguard_shared.access_log import Verdict

# The services that answer reads of case-level data (reporting holds figures only; the workspace no data).
LOGGED = ("referrals", "scheduling", "notifications", "audits")


class NoLog(Exception):
    """The store has no access log (yet)."""


def store_url(service: str, data_dir: Path) -> str | None:
    url = os.environ.get(f"{service.upper()}_DATABASE_URL")
    if url:
        return url
    path = data_dir / f"{service}.sqlite3"
    return f"sqlite:///{path}" if path.exists() else None


async def check(url: str) -> Verdict:
    # Imported here, not with the module: `safeguard up` registers this command too, and the store's
    # plumbing (SQLAlchemy, Alembic) would stay in the supervisor's memory for nothing.
    from sqlalchemy import inspect

    from safeguard_shared.access_log import verify
    from safeguard_shared.access_log.store import TABLE
    from safeguard_shared.db import create_engine, session_factory

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if not await conn.run_sync(lambda sync: inspect(sync).has_table(TABLE)):
                raise NoLog
        async with session_factory(engine)() as session:
            return await verify(session)
    finally:
        await engine.dispose()


def report(service: str, verdict: Verdict) -> str:
    if verdict.intact:
        return (f"{service}: intact, {verdict.rows:,} read(s) recorded; last row {verdict.last_seq}, "
                f"hash {verdict.last_hash}")
    lines = [f"{service}: BROKEN, {verdict.problem_count} problem(s) in {verdict.rows:,} row(s):"]
    lines += [f"  {problem}" for problem in verdict.problems]
    if verdict.problem_count > len(verdict.problems):
        lines.append(f"  … and {verdict.problem_count - len(verdict.problems)} more")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    worst = 0
    for service in args.service or LOGGED:
        url = store_url(service, data_dir)
        if url is None:
            print(f"{service}: no store in {data_dir} (and no {service.upper()}_DATABASE_URL): nothing to check",
                  file=sys.stderr)
            worst = max(worst, 2)
            continue
        try:
            verdict = asyncio.run(check(url))
        except NoLog:
            print(f"{service}: its store has no access log yet (the service has not started since it was added)")
            continue
        except Exception as exc:  # an unreachable store: say so plainly rather than a traceback
            print(f"{service}: cannot read its store: {type(exc).__name__}", file=sys.stderr)
            worst = max(worst, 2)
            continue
        print(report(service, verdict))
        if not verdict.intact:
            worst = max(worst, 1)
    if worst == 0:
        print("Keep the last row and hash of each: a later check that ends before them shows rows cut off the end.")
    return worst


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    al = sub.add_parser("access-log", help="check the services' access logs (who read which case) are untouched",
                        description="Checks each service's access log against its hash chain: a row changed, "
                                    "removed, put in or moved since it was written is reported with its number. "
                                    "Exits 0 when every log is whole, 1 when one is broken, 2 when a store "
                                    "cannot be read.")
    al.add_argument("action", choices=["verify"])
    al.add_argument("--service", action="append", choices=LOGGED,
                    help="check this service's log (repeatable; default: every service that keeps one)")
    al.add_argument("--data-dir", default=os.environ.get("SAFEGUARD_DATA_DIR", "var"),
                    help="the data folder of the stack (its SQLite stores are there, unless <NAME>_DATABASE_URL)")
    al.set_defaults(func=cmd_verify)
