"""The access table (issue 12): how a person stands to a case is worked out from the case itself, every
cell of the table is what ``may`` answers, the README shows the same table, and a history read by
someone who may see only the progress keeps no free text."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from referrals.domain.access import (
    ACTIONS,
    RELATIONSHIPS,
    TABLE,
    authorise,
    finds,
    may,
    parties,
    progress_detail,
    relationships,
    table_rows,
)
from referrals.domain.child_case import Attendee, ChildCase, Reviewers
from referrals.domain.errors import NotAllowed
from referrals.domain.sar_case import SarCase, SarReviewers
from safeguard_shared.partnership import ROLES, Principal

README = Path(__file__).resolve().parents[2] / "README.md"
DAY = date(2027, 1, 4)


def child_case(**changes) -> ChildCase:
    case = ChildCase(case_id="c1", case_ref="RR-2027-C1", referring_agency="health_provider", received_on=DAY,
                     became_aware_on=DAY, rapid_review=True, involved_agencies=["school"])
    return case.model_copy(update=changes)


def sar_case(**changes) -> SarCase:
    case = SarCase(case_id="s1", case_ref="SAR-2027-S1", referring_agency="health_provider", received_on=DAY,
                   involved_agencies=["school"], criteria_met=None)
    return case.model_copy(update=changes)


def person(agency: str, role: str = "referrer", subject: str | None = None) -> Principal:
    return Principal(subject=subject or f"{agency}-{role}", agency=agency, roles=frozenset({role}))


def test_the_readme_shows_the_table_the_code_enforces():
    text = README.read_text()
    section = text[text.index("## Who may see and do what on a case"):]
    header, *rows = [line for line in section.splitlines() if line.startswith("| ")][:len(ACTIONS) + 1]
    assert [c.strip(" `") for c in header.strip("|").split("|")] == ["action", *TABLE]
    written = [[c.strip(" `") for c in row.strip("|").split("|")] for row in rows]
    assert written == table_rows()


def test_every_role_has_a_row_and_every_relationship_a_cell():
    assert set(TABLE) == set(ROLES)
    assert all(set(TABLE[role]) == set(RELATIONSHIPS) for role in TABLE)


@pytest.mark.parametrize("case", [child_case(), sar_case()], ids=["child", "adult"])
def test_how_a_person_stands_to_a_case(case):
    reviewer = "R. Reviewer"
    if isinstance(case, ChildCase):
        case.cspr.reviewers = Reviewers(reviewers=[reviewer], recorded_on=DAY)
    else:
        case.reviewers = SarReviewers(names=[reviewer], commissioned_on=DAY)
    of = parties(case)

    assert relationships(person("health_provider"), of) == {"referring_agency"}
    assert relationships(person("school"), of) == {"involved_agency"}
    assert relationships(person("local_authority"), of) == {"local_authority"}
    assert relationships(person("probation", "reviewer", "r.  reviewer"), of) == {"commissioned_reviewer"}
    assert relationships(person("housing", "reviewer", "another reviewer"), of) == {"unrelated"}


def test_an_agency_becomes_involved_when_asked_for_scoping_at_the_meeting_or_asked_for_an_imr():
    housing = person("housing", "panel_member")
    assert not may(housing, parties(child_case()), "see_detail")

    assert may(housing, parties(child_case(scoping_agencies=["housing"])), "see_detail")
    at_the_meeting = child_case(attendance=[Attendee(agency="housing", name="H", role="manager")])
    assert may(housing, parties(at_the_meeting), "see_detail")
    assert may(housing, parties(sar_case(imrs_requested=["housing"])), "see_detail")
    assert may(housing, parties(sar_case(scoping_agencies=["housing"])), "see_detail")


STANDING = {"referring_agency": ("health_provider", None), "involved_agency": ("school", None),
            "local_authority": ("local_authority", None), "commissioned_reviewer": ("probation", "R. Reviewer"),
            "unrelated": ("housing", None)}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("relation", RELATIONSHIPS)
def test_every_cell_of_the_table(role, relation):
    case = child_case()
    case.cspr.reviewers = Reviewers(reviewers=["R. Reviewer"], recorded_on=DAY)
    agency, subject = STANDING[relation]
    who = person(agency, role, subject)
    assert relationships(who, parties(case)) == {relation}

    for action in ACTIONS:
        assert may(who, parties(case), action) == (action in TABLE[role][relation]), action
        if action not in TABLE[role][relation]:
            with pytest.raises(NotAllowed, match="on this case, this is for"):
                authorise(who, case, action)
        else:
            authorise(who, case, action)


def test_several_roles_or_relationships_add_up():
    lead_and_panel = Principal(subject="s", agency="school", roles=frozenset({"safeguarding_lead", "panel_member"}))
    assert may(lead_and_panel, parties(child_case()), "see_detail") and may(
        lead_and_panel, parties(child_case()), "return_own")
    # The local authority referred the case: its lead confirms the Panel notice and resubmits.
    la_referred = parties(child_case(referring_agency="local_authority"))
    lead = person("local_authority", "safeguarding_lead")
    assert relationships(lead, la_referred) == {"referring_agency", "local_authority"}
    assert may(lead, la_referred, "confirm_panel_notice") and may(lead, la_referred, "resubmit")


def test_a_school_reviewer_not_commissioned_on_the_review_neither_reads_nor_writes_it():
    case = child_case()
    case.cspr.reviewers = Reviewers(reviewers=["R. Reviewer"], recorded_on=DAY)
    school_reviewer = person("school", "reviewer")
    for action in ("see_detail", "see_drafts", "write_review", "run_pathway"):
        assert not may(school_reviewer, parties(case), action), action


def test_a_history_line_read_for_its_progress_keeps_codes_dates_and_answers_and_no_free_text():
    detail = {"reason": "court proceedings involving the son", "expected_sign_off_on": "2027-06-01",
              "agencies": ["police"], "decision": "cspr", "records_secured": True, "name": "A. Person",
              "email": "family@example.org", "rationale": "free", "on": "2027-01-04", "update": "we wrote",
              "reviewers": ["R. Reviewer"], "mandatory_override_reason": "why", "other_steps_detail": "who"}

    assert progress_detail(detail) == {"expected_sign_off_on": "2027-06-01", "agencies": ["police"],
                                       "decision": "cspr", "records_secured": True, "on": "2027-01-04"}


def test_the_progress_keys_are_codes_not_prose():
    assert not [k for k in ("reason", "reasons", "rationale", "details", "name", "relationship", "update",
                            "findings", "progress", "by", "method", "text", "meeting_place",
                            "outside_window_reason") if progress_detail({k: "x"})]
    assert re.fullmatch(r"[a-z_]+", "".join(progress_detail({"status": "x"})))


def test_a_search_finds_no_more_than_the_table_lets_be_seen():
    expected = {"business_unit": "any", "admin": "any", "independent_chair": "any", "panel_member": "referring_agency",
                "safeguarding_lead": "referring_agency", "referrer": "referring_agency", "reviewer": None,
                "qa_lead": None, "reporting_reader": None}
    assert {role: finds(person("school", role)) for role in ROLES} == expected
    for role, scope in expected.items():
        if scope == "any":
            assert all("see_progress" in TABLE[role][relation] for relation in RELATIONSHIPS)
        elif scope == "referring_agency":
            assert "see_progress" in TABLE[role]["referring_agency"]
