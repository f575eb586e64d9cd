"""Importing 50,000 core training completions (goal: at most 10 s).

Writes a 50,000-line CSV, then runs the command-line importer's code (the whole file checked first,
then batches of 5,000 as text/csv, with its progress bar) against the audits service's HTTP app on a
fresh store. Each completion is stored with its two surveys and owes one audits.training.completed
event (in the outbox). Then the same file again: nothing is imported twice.

    .venv/bin/python bench/audits_training_import.py                     # SQLite
    .venv/bin/python bench/audits_training_import.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from audits_bench_app import audits_app  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from audits.adapters.orm import outbox, training_surveys  # noqa: E402
from audits.entrypoints.importer import check_file, send  # noqa: E402

AGENCIES = ["local_authority", "police", "icb", "school", "health_provider", "housing", "probation"]
COURSES = ["Core safeguarding children", "Core safeguarding adults", "Domestic abuse awareness"]


def write_file(path: Path, n: int) -> None:
    start = date(2026, 1, 5)
    with path.open("w") as out:
        out.write("trainee,agency,course,completed_on,manager\n")
        for i in range(n):
            out.write(f"STAFF-{i:06d},{AGENCIES[i % 7]},{COURSES[i % 3]},{start + timedelta(days=i % 300)},"
                      f"MGR-{i // 25:05d}\n")


async def main(n: int, batch: int, postgres: str | None) -> None:
    path = Path(tempfile.mkdtemp(prefix="audits-import-")) / "completions.csv"
    write_file(path, n)
    print(f"{n:,} completions ({path.stat().st_size / 1e6:.1f} MB); store: {'PostgreSQL' if postgres else 'SQLite'}")
    async with audits_app(postgres) as (app, client, token):
        t = time.perf_counter()
        completions = check_file(path)
        checked = time.perf_counter() - t
        totals = await send(completions, client, token, batch_size=batch, stream=sys.stderr)
        total = time.perf_counter() - t
        async with app.state.runtime.sessions() as session:
            events = (await session.execute(select(func.count()).select_from(outbox))).scalar_one()
            surveys = (await session.execute(select(func.count()).select_from(training_surveys))).scalar_one()
        print(f"  checked the file in {checked:5.2f} s; imported in all {total:5.2f} s "
              f"({totals['imported'] / total:,.0f} completions/s)")
        print(f"  stored: {totals['imported']:,} completions, {surveys:,} surveys, {events:,} events owed")
        t = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            again = await send(completions, client, token, batch_size=batch, stream=quiet)
        print(f"  the same file again: {again['already_imported']:,} already there, {again['imported']} imported, "
              f"{time.perf_counter() - t:5.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--completions", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.completions, args.batch, args.postgres))
