"""The MACFA draw: four cases chosen at random, re-runnable by anyone. No I/O.

The population is put in a canonical order (sorted, de-duplicated) before drawing, so the same
set of references and the same seed give the same cases however the list was supplied; the digest
of that canonical population is recorded beside the seed.

Exclusions the partnership sets (cases audited in the last 12 months, references it names) are
taken out of the population first; what was excluded is recorded with the draw, so the draw is
still re-runnable: ``random.Random(seed).sample(sorted(population - excluded), 4)``.
"""
from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

SAMPLE_SIZE = 4


@dataclass(frozen=True)
class Draw:
    cases: tuple[str, ...]
    seed: int
    population_digest: str
    population_size: int
    # The references of the population that were not eligible, sorted, and the digest of what was.
    excluded: tuple[str, ...] = field(default=())
    eligible_digest: str = ""
    eligible_size: int = 0


def audited_since(today: date, months: int) -> date:
    """The start of the window of recently audited cases: the same day of the month ``months`` back
    (or that month's last day)."""
    since: date = today - relativedelta(months=months)
    return since


def canonical(population: Iterable[str]) -> list[str]:
    return sorted({p.strip() for p in population if p and p.strip()})


def _digest(pool: list[str]) -> str:
    return hashlib.sha256("\n".join(pool).encode()).hexdigest()


def digest(population: Iterable[str]) -> str:
    return _digest(canonical(population))


def draw(population: Iterable[str], seed: int | None = None, size: int = SAMPLE_SIZE,
         excluded: Iterable[str] = ()) -> Draw:
    pool = canonical(population)
    leave_out = {e.strip() for e in excluded} if excluded else set()
    eligible = [p for p in pool if p not in leave_out] if leave_out else pool
    if len(pool) < size:
        raise ValueError(f"the population has {len(pool)} distinct cases; the audit needs {size}")
    if len(eligible) < size:
        raise ValueError(f"the population has {len(pool)} distinct cases, {len(pool) - len(eligible)} of them "
                         f"excluded; {len(eligible)} remain and the audit needs {size}")
    seed = secrets.randbits(63) if seed is None else seed
    chosen = random.Random(seed).sample(eligible, size)
    pool_digest = _digest(pool)
    return Draw(cases=tuple(chosen), seed=seed, population_digest=pool_digest, population_size=len(pool),
                excluded=tuple(p for p in pool if p in leave_out) if leave_out else (),
                eligible_digest=_digest(eligible) if leave_out else pool_digest, eligible_size=len(eligible))


def already_drawn(audit_id: str, drawn_on: date, population_size: int, seed: int) -> str:
    """Why a new population is refused after the draw, and where the draw is."""
    return (f"this audit's cases were already drawn on {drawn_on:%A} {drawn_on.day} {drawn_on:%B %Y}, from a "
            f"population of {population_size} cases (seed {seed}); a draw is made once and not redrawn from "
            f"another population. See it with GET /v1/audits/{audit_id}/sample (posting the same population "
            "again also answers it).")
