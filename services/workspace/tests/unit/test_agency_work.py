"""An agency's work: where its scoping return goes, and when it is offered."""
from __future__ import annotations

from workspace.application.agency_work import scoping_return_step
from workspace.application.case_overview import scoping_return_offered


def test_the_scoping_return_posts_to_the_agencys_own_address_with_the_pathways_fields():
    child, adult = scoping_return_step("child", "icb"), scoping_return_step("adult", "icb")
    assert child.api_path == adult.api_path == "scoping-returns/icb"
    assert [f.path for f in child.fields] == ["records_secured", "no_information_held", "involvement"]
    assert [f.path for f in adult.fields] == ["no_information_held", "information"]


def test_the_scoping_return_is_offered_to_an_asked_agency_until_it_has_returned():
    case = {"status": "scoping"}
    lead = frozenset({"safeguarding_lead"})
    assert scoping_return_offered(case, "icb", lead, [])
    assert not scoping_return_offered(case, "icb", lead, [{"action": "scoping_returned", "agency": "icb"}])
    assert scoping_return_offered(case, "icb", lead, [{"action": "scoping_returned", "agency": "police"}])
    assert not scoping_return_offered(case, "partnership", frozenset({"business_unit"}), [])
    assert not scoping_return_offered({"status": "decided"}, "icb", lead, [])
