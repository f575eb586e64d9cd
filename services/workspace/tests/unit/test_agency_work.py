"""An agency's work: which deadlines its calendar feed names, and when its scoping return is offered."""
from __future__ import annotations

from workspace.application.agency_work import deadline_ids, scoping_return_step
from workspace.application.case_overview import scoping_return_offered

FEED = """BEGIN:VCALENDAR\r
BEGIN:VEVENT\r
UID:6f0c2a4e-1d2b-4c1e-9a51-2f3e4d5c6b7a@safeguard.local\r
SUMMARY:rr.scoping_returned (icb): the agency returns …\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:0a1b2c3d-0000-4000-8000-000000000002@safeguard.local\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:6f0c2a4e-1d2b-4c1e-9a51-2f3e4d5c6b7a@safeguard.local\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_each_deadline_in_the_agencys_feed_is_read_once_in_the_feeds_order():
    assert deadline_ids(FEED) == ["6f0c2a4e-1d2b-4c1e-9a51-2f3e4d5c6b7a", "0a1b2c3d-0000-4000-8000-000000000002"]


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
