"""``safeguard-audits-import`` (or ``python -m audits.importer``): import core training completions from a
CSV file into the audits service, in batches, with a progress bar.

    safeguard-audits-import completions.csv --url http://127.0.0.1:8104 --token "$TOKEN"

The whole file is checked first, and nothing is sent if any line is wrong (every problem is printed
with its line number). Each batch is one transaction in the service; a completion imported before is
not imported again, so a run that stopped half-way is resumed by running it again.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import sys
import time
from pathlib import Path
from typing import TextIO

import httpx

from safeguard_shared.partnership import AGENCIES

from ..domain.csvfiles import Completion, parse_completions
from ..domain.errors import RuleBroken

HEADER = ["trainee", "agency", "course", "completed_on", "manager", "trainee_email", "manager_email"]


class ProgressBar:
    """A progress bar on a terminal; a line per tenth of the way elsewhere (logs stay readable)."""

    def __init__(self, total: int, stream: TextIO, label: str = "importing", width: int = 30):
        self.total, self.stream, self.label, self.width = max(total, 1), stream, label, width
        self.done, self.started, self._last_tenth = 0, time.monotonic(), -1
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def advance(self, n: int) -> None:
        self.done = min(self.done + n, self.total)
        fraction = self.done / self.total
        elapsed = time.monotonic() - self.started
        filled = int(self.width * fraction)
        line = (f"{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {self.done:,}/{self.total:,} "
                f"completions {fraction:4.0%} {elapsed:5.1f}s")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done >= self.total else ""))
        elif int(fraction * 10) != self._last_tenth:
            self._last_tenth = int(fraction * 10)
            self.stream.write(line + "\n")
        self.stream.flush()


def _csv(batch: list[Completion]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([c.trainee, c.agency, c.course, c.completed_on.isoformat(), c.manager or "",
                      c.trainee_email or "", c.manager_email or ""] for c in batch)
    return out.getvalue()


def check_file(path: Path) -> list[Completion]:
    """Every line of the file, checked; raises RuleBroken naming every bad line."""
    return parse_completions(Path(path).read_text(encoding="utf-8-sig"), AGENCIES)


async def import_file(path: Path, client: httpx.AsyncClient, token: str, *, batch_size: int = 5000,
                      stream: TextIO = sys.stderr) -> dict[str, int]:
    """Check the whole file, then send it in batches. Raises RuleBroken (nothing sent) or RuntimeError."""
    return await send(check_file(path), client, token, batch_size=batch_size, stream=stream)


async def send(completions: list[Completion], client: httpx.AsyncClient, token: str, *, batch_size: int = 5000,
               stream: TextIO = sys.stderr) -> dict[str, int]:
    totals = {"received": 0, "imported": 0, "already_imported": 0}
    bar = ProgressBar(len(completions), stream)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv; charset=utf-8"}
    for start in range(0, len(completions), batch_size):
        batch = completions[start:start + batch_size]
        response = await client.post("/v1/training/completions", content=_csv(batch).encode(), headers=headers,
                                     timeout=300)
        if response.status_code != 200:
            raise RuntimeError(f"the service refused lines {start + 2}–{start + len(batch) + 1} "
                               f"({response.status_code}): {response.text[:2000]}\n{totals['received']:,} "
                               "completions before them were imported; run again to resume")
        for key, value in response.json().items():
            totals[key] = totals.get(key, 0) + value
        bar.advance(len(batch))
    return totals


def _say(stream: TextIO, line: str) -> None:
    """A line for the person at the terminal (the command's output, not a log)."""
    stream.write(line + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safeguard-audits-import", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path,
                        help="CSV: trainee,agency,course,completed_on[,manager,trainee_email,manager_email]")
    parser.add_argument("--url", default=os.environ.get("AUDITS_URL", "http://127.0.0.1:8104"),
                        help="the audits service (default $AUDITS_URL or http://127.0.0.1:8104)")
    parser.add_argument("--token", default=os.environ.get("SAFEGUARD_TOKEN"),
                        help="a bearer token with the business_unit or qa_lead role (default $SAFEGUARD_TOKEN)")
    parser.add_argument("--batch", type=int, default=5000, help="completions per request (default 5000)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.token:
        _say(sys.stderr, "a token is needed: --token or $SAFEGUARD_TOKEN (safeguard token --agency partnership "
             "--role business_unit)")
        return 2

    try:
        completions = check_file(args.file)
    except RuleBroken as exc:
        _say(sys.stderr, f"{args.file}: nothing was imported; fix these lines first:")
        for p in exc.problems:
            _say(sys.stderr, f"  {' '.join(p.loc[2:]) or 'file'}: {p.msg}")
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        _say(sys.stderr, f"{args.file}: cannot be read: {exc}")
        return 2

    async def run() -> dict[str, int]:
        async with httpx.AsyncClient(base_url=args.url) as client:
            return await send(completions, client, args.token, batch_size=max(1, args.batch))

    try:
        totals = asyncio.run(run())
    except (RuntimeError, OSError, httpx.HTTPError) as exc:
        _say(sys.stderr, f"import stopped: {exc}")
        return 1
    _say(sys.stdout, f"{totals['imported']:,} completions imported, {totals['already_imported']:,} already there "
          f"({totals['received']:,} read)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
