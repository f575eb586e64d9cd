"""The MACFA draw: four cases chosen at random, re-runnable by anyone. No I/O.

The population is put in a canonical order (sorted, de-duplicated) before drawing, so the same
set of references and the same seed give the same cases however the list was supplied; the digest
of that canonical population is recorded beside the seed.
"""
from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass

SAMPLE_SIZE = 4


@dataclass(frozen=True)
class Draw:
    cases: tuple[str, ...]
    seed: int
    population_digest: str
    population_size: int


def canonical(population: list[str]) -> list[str]:
    return sorted({p.strip() for p in population if p.strip()})


def digest(population: list[str]) -> str:
    return hashlib.sha256("\n".join(canonical(population)).encode()).hexdigest()


def draw(population: list[str], seed: int | None = None, size: int = SAMPLE_SIZE) -> Draw:
    pool = canonical(population)
    if len(pool) < size:
        raise ValueError(f"the population has {len(pool)} distinct cases; the audit needs {size}")
    seed = secrets.randbits(63) if seed is None else seed
    chosen = random.Random(seed).sample(pool, size)
    return Draw(cases=tuple(chosen), seed=seed, population_digest=digest(pool), population_size=len(pool))
