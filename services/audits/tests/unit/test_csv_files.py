"""Reading what people upload: a population of case references with the agencies involved in each,
and a file of core training completions. Every bad line is named, so one refusal lists them all."""
from __future__ import annotations

from datetime import date

import pytest

from audits.domain.csvfiles import MAX_PROBLEMS, parse_completions, parse_population
from audits.domain.errors import RuleBroken

KNOWN = frozenset({"local_authority", "police", "icb", "school", "health_provider"})


def problems(fn, *args) -> list[tuple]:
    with pytest.raises(RuleBroken) as refused:
        fn(*args)
    return [(p.loc, p.msg) for p in refused.value.problems]


def test_a_population_names_each_case_and_the_agencies_involved_separated_by_semicolons():
    text = "\ufeffCase Reference,Agencies\nRR-1,police;icb\nRR-2,\"school, Local Authority\"\n\nRR-1,health_provider\n"

    population = parse_population(text, KNOWN)

    assert population.references == ["RR-1", "RR-2", "RR-1"]
    assert population.agencies == {"RR-1": {"police", "icb", "health_provider"}, "RR-2": {"school", "local_authority"}}


def test_an_unquoted_list_of_agencies_in_the_last_column_is_read_whole():
    assert parse_population("case_reference,agencies\nRR-1,police,icb\n", KNOWN).agencies == {"RR-1": {"police", "icb"}}


def test_a_population_without_an_agencies_column_is_just_references():
    population = parse_population("reference\nRR-1\nRR-2\n", KNOWN)

    assert (population.references, population.agencies) == (["RR-1", "RR-2"], {})


def test_every_bad_line_of_a_population_is_named():
    found = problems(parse_population, "case_reference,agencies\nRR-1,polce\n ,police\nRR-3,icb|nhs\n", KNOWN)

    assert found == [(("body", "population", "line 2", "agencies"), "unknown agency 'polce'"),
                     (("body", "population", "line 3", "case_reference"), "the case reference is blank"),
                     (("body", "population", "line 4", "agencies"), "unknown agency 'nhs'")]


def test_an_empty_file_or_a_header_without_references_is_refused():
    assert "empty" in problems(parse_population, "", KNOWN)[0][1]
    assert "case_reference" in problems(parse_population, "name,agencies\n", KNOWN)[0][1]


def test_a_refusal_lists_at_most_fifty_problems_and_says_how_many_more():
    text = "case_reference,agencies\n" + "".join(f"RR-{n},fire\n" for n in range(80))

    found = problems(parse_population, text, KNOWN)

    assert len(found) == MAX_PROBLEMS + 1 and found[-1][1] == "… and 30 more problems"


def test_completions_are_read_with_their_agency_course_date_and_optional_manager():
    text = "trainee,agency,course,completed_on,manager\nS-1,Police,Core,2026-10-05,M-1\nS-2,icb,Core,2026-10-06,\n"

    [first, second] = parse_completions(text, KNOWN, today=date(2027, 1, 4))

    assert (first.trainee, first.agency, first.completed_on, first.manager) == (
        "S-1", "police", date(2026, 10, 5), "M-1")
    assert second.manager is None and first.key == ("S-1", "Core", date(2026, 10, 5))


def test_every_bad_completion_is_named_with_its_line_and_field():
    text = ("trainee,agency,course,completed_on\n,police,Core,2026-10-05\nS-2,fire,Core,2026-10-05\n"
            "S-3,icb,,05/10/2026\nS-4,icb,Core,2027-02-01\n")

    found = problems(parse_completions, text, KNOWN, date(2027, 1, 4))

    assert [loc[2:] for loc, _ in found] == [("line 2", "trainee"), ("line 3", "agency"), ("line 4", "course"),
                                            ("line 4", "completed_on"), ("line 5", "completed_on")]


def test_a_completions_file_must_name_its_columns():
    found = problems(parse_completions, "name,agency\nS-1,police\n", KNOWN)

    assert "trainee, course, completed_on" in found[0][1]
