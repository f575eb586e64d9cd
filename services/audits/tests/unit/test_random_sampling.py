"""The MACFA draw: four cases chosen at random from the population, re-runnable by anyone who has
the seed and the same population, however the list was written down."""
from __future__ import annotations

import hashlib
import random

import pytest

from audits.domain.sampling import SAMPLE_SIZE, canonical, digest, draw

POPULATION = [f"RR-2026-{n:06X}" for n in range(0xA00, 0xA0A)]  # ten case references


def test_an_audit_samples_four_distinct_cases_from_the_population():
    result = draw(POPULATION, seed=42)

    assert SAMPLE_SIZE == 4 and len(result.cases) == 4
    assert len(set(result.cases)) == 4 and set(result.cases) <= set(POPULATION)
    assert (result.seed, result.population_size) == (42, 10)


def test_the_same_population_in_another_order_and_the_same_seed_give_the_same_cases():
    shuffled = POPULATION[:]
    random.Random(7).shuffle(shuffled)

    assert draw(shuffled, seed=42) == draw(POPULATION, seed=42)
    assert draw(list(reversed(POPULATION)), seed=42).cases == draw(POPULATION, seed=42).cases


def test_anyone_can_rerun_the_draw_from_its_seed_with_the_standard_library():
    result = draw(POPULATION, seed=42)

    assert list(result.cases) == random.Random(42).sample(sorted(POPULATION), 4)
    assert result.population_digest == hashlib.sha256("\n".join(sorted(POPULATION)).encode()).hexdigest()


def test_a_draw_without_a_seed_records_the_seed_it_used_so_it_can_be_rerun():
    result = draw(POPULATION)

    assert 0 <= result.seed < 2**63
    assert draw(POPULATION, seed=result.seed) == result


def test_another_seed_usually_draws_other_cases():
    draws = {draw(POPULATION, seed=s).cases for s in range(20)}

    assert len(draws) > 1


def test_repeated_and_blank_references_count_once_in_the_population_and_its_digest():
    messy = POPULATION + [f"  {POPULATION[0]} ", POPULATION[1], "", "   "]

    assert canonical(messy) == sorted(POPULATION)
    assert digest(messy) == digest(POPULATION)
    assert draw(messy, seed=42) == draw(POPULATION, seed=42)


def test_a_population_with_fewer_than_four_distinct_cases_cannot_be_sampled():
    with pytest.raises(ValueError, match="3 distinct cases; the audit needs 4"):
        draw(["RR-1", "RR-2", "RR-3", "RR-3", " RR-1 "], seed=42)


def test_excluded_cases_are_never_drawn_and_the_draw_is_rerun_from_what_was_left():
    excluded = POPULATION[:3]

    result = draw(POPULATION, seed=42, excluded=excluded)

    assert not set(result.cases) & set(excluded)
    assert result.excluded == tuple(sorted(excluded)) and result.eligible_size == 7
    eligible = sorted(set(POPULATION) - set(excluded))
    assert list(result.cases) == random.Random(42).sample(eligible, 4)
    assert result.eligible_digest == hashlib.sha256("\n".join(eligible).encode()).hexdigest()
    assert result.population_digest == digest(POPULATION), "the population's digest is still the whole population's"


def test_an_exclusion_outside_the_population_changes_nothing():
    assert draw(POPULATION, seed=42, excluded=["NOT-IN-IT"]).cases == draw(POPULATION, seed=42).cases


def test_exclusions_that_leave_fewer_than_four_cases_say_how_many_remain():
    assert len(draw(POPULATION, seed=1, excluded=POPULATION[:6]).cases) == 4
    with pytest.raises(ValueError, match="7 of them excluded; 3 remain and the audit needs 4"):
        draw(POPULATION, seed=1, excluded=POPULATION[:7])
