"""Benchmark: how many `add_working_days` computations per second the scheduling calendar does.

The scheduler recomputes deadlines in bulk (every open case on every tick, every report), so the
goal is at least 200,000 computations per second on a 2-core machine. Random start dates in
2026-2030 and random counts of 1-60 working days, as real rules use; the explanation of each
result is not asked for (it is worked out lazily, when someone reads it).

Run:  .venv/bin/python bench/scheduling_calendar.py [--seconds 5] [--seed 2026]
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
import time
from datetime import date
from pathlib import Path

try:
    from scheduling.domain.calendar import WorkingDayCalendar
except ModuleNotFoundError:  # not installed: run from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "scheduling"))
    from scheduling.domain.calendar import WorkingDayCalendar

GOAL_PER_SECOND = 200_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="how long each round runs (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds; the best one counts (default 3)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    first, last = date(2026, 1, 1).toordinal(), date(2030, 12, 31).toordinal()
    cases = [(date.fromordinal(rng.randint(first, last)), rng.randint(1, 60))
             for _ in range(100_000)]
    calendar = WorkingDayCalendar()
    add = calendar.add_working_days

    rates = []
    for _ in range(args.rounds):
        done, began = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - began) < args.seconds:
            for start, n in cases:
                add(start, n)
            done += len(cases)
        rates.append(done / elapsed)

    best = max(rates)
    command = " ".join(shlex.quote(part) for part in [sys.executable, *sys.argv])
    print(f"command: {command}")
    print(f"python: {sys.version.split()[0]}; rounds of {args.seconds:g} s: "
          + ", ".join(f"{rate:,.0f}/s" for rate in rates))
    print(f"add_working_days: {best:,.0f} computations/s (goal {GOAL_PER_SECOND:,}/s: "
          f"{'met' if best >= GOAL_PER_SECOND else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
