"""An agency's work: where its scoping return goes, and when it is offered."""
from __future__ import annotations

from workspace.application.agency_work import imr_step, scoping_return_step
from workspace.application.case_overview import imr_offered, scoping_return_offered


def test_the_scoping_return_posts_to_the_agencys_own_address_with_the_pathways_fields():
    child, adult = scoping_return_step("child", "icb"), scoping_return_step("adult", "icb")
    # A SAR's scoping goes to the adults' pathway: the children's address would not take it.
    assert child.api_path == "scoping-returns/icb" and adult.api_path == "sar/scoping-returns/icb"
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


def test_the_imr_is_asked_of_the_agencies_named_and_offered_until_each_has_sent_its_own():
    assert imr_step("adult", "icb").api_path == "sar/imrs/icb"
    case = {"status": "commissioned"}
    referrer = frozenset({"referrer"})
    asked = [{"action": "imrs_requested", "agency": "partnership", "detail": {"agencies": ["icb", "housing"]}}]
    assert imr_offered(case, "icb", referrer, asked) and imr_offered(case, "housing", referrer, asked)
    assert not imr_offered(case, "police", referrer, asked), "not asked"
    sent = asked + [{"action": "imr_submitted", "agency": "icb", "detail": {"agency": "icb"}}]
    assert not imr_offered(case, "icb", referrer, sent) and imr_offered(case, "housing", referrer, sent)
    assert not imr_offered({"status": "signed_off"}, "housing", referrer, sent), "the review has moved on"
    assert not imr_offered(case, "icb", frozenset({"panel_member"}), asked), "the agency's staff send it"
