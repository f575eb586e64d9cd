"""The panel's and the chair's pages and the board's dashboard, at the application layer: which pages a
case offers whom, the pack and the meeting as the pages show them, drafts newest first, what awaits
the chair's sign-off and the form that records it, and the board's figures in words."""
from __future__ import annotations

from datetime import date

import pytest

from workspace.adapters.referrals_api import ApiAnswer
from workspace.application import cases, dashboard, panel, sign_offs
from workspace.application.referral_form import form_to_referral

CHILD = {"case_id": "c1", "case_ref": "RR-2026-AAAAAA", "pathway": "child", "status": "decided",
         "meeting": {"meeting_on": "2027-01-05", "meeting_time": "14:30:00", "meeting_place": "Room 2, Civic Centre",
                     "online": False, "window": ["2027-01-04", "2027-01-08"], "complete_by": "2027-01-11",
                     "warnings": []}}
HISTORY = [
    {"action": "referred", "detail": {}},
    {"action": "scoping_requested", "detail": {"agencies": ["local_authority", "police", "icb"],
                                               "meeting_on": "2027-01-05"}},
    {"action": "attendance_recorded", "detail": {"agencies": ["local_authority", "police"]}},
    {"action": "attendance_recorded", "detail": {"agencies": ["icb", "local_authority", "police"]}},
    {"action": "meeting_held", "detail": {"held_on": "2027-01-05"}},
    {"action": "rapid_review_decided", "detail": {"decision": "cspr"}},
]


def test_the_panels_pages_are_offered_on_a_childs_case_by_the_access_tables_roles():
    member = panel.panel_links(CHILD, {"panel_member"}, HISTORY)
    assert (member.pack, member.meeting, member.drafts) == (True, True, True)
    lead = panel.panel_links(CHILD, {"safeguarding_lead"}, HISTORY)
    assert (lead.pack, lead.meeting, lead.drafts) == (True, True, False), "a lead reads the pack, never the drafts"
    assert not panel.panel_links(CHILD, {"referrer"}, HISTORY), "a referrer is offered none of them"
    reviewer = panel.panel_links(CHILD, {"reviewer"}, HISTORY)
    assert (reviewer.pack, reviewer.drafts) == (False, True)
    # Before a CSPR is decided there are no drafts to offer; an adult's case has none of these pages.
    assert not panel.panel_links(CHILD, {"panel_member"}, HISTORY[:5]).drafts
    assert not panel.panel_links({**CHILD, "pathway": "adult"}, {"independent_chair"}, HISTORY)
    assert not panel.panel_links({**CHILD, "meeting": None}, {"panel_member"}, []).meeting


def test_the_pack_lists_each_agencys_return_by_its_name():
    pack = panel.pack_from_api({
        "case_ref": "RR-2026-AAAAAA", "referral": {"child": {"reference": "C-1"}}, "meeting_on": "2027-01-05",
        "local_authority_notification": {"became_aware_on": "2026-12-21", "rapid_review": True},
        "scoping_returns": {
            "police": {"returned_on": "2026-12-22", "records_secured": True, "no_information_held": False,
                       "involvement": "Two call-outs."},
            "icb": {"returned_on": "2026-12-23", "records_secured": True, "no_information_held": True,
                    "involvement": ""}}})
    assert [r.agency for r in pack.returns] == ["icb", "police"], "Integrated care board before Police"
    assert pack.returns[1].involvement == "Two call-outs." and pack.rapid_review
    assert pack.became_aware_on == "2026-12-21" and pack.referral["child"]["reference"] == "C-1"


def test_the_meeting_is_as_booked_with_the_latest_attendance_and_says_when_it_is_not_quorate():
    meeting = panel.meeting_from(CHILD, HISTORY)
    assert meeting.asked == ["local_authority", "police", "icb"]
    assert meeting.attending == ["icb", "local_authority", "police"], "the attendance recorded last"
    assert meeting.missing_partners == [] and meeting.held_on == "2027-01-05" and meeting.decision == "cspr"
    assert meeting.booked["meeting_place"] == "Room 2, Civic Centre"
    short = panel.meeting_from(CHILD, HISTORY[:3])
    assert short.missing_partners == ["icb"] and short.held_on is None
    assert panel.meeting_from(CHILD, HISTORY[:2]).attending is None, "not recorded is not nobody"


class FakeReferrals:
    """The referrals API's answers for one case's drafts, as the service gives them."""

    def __init__(self, answer: ApiAnswer):
        self.answer = answer

    async def drafts(self, token: str, case_id: str) -> ApiAnswer:
        return self.answer


MARK = "unpublished draft — strictly confidential"


async def test_drafts_are_listed_newest_first_and_one_is_read_by_its_version():
    api = FakeReferrals(ApiAnswer(200, [
        {"version": 1, "marking": MARK, "added_on": "2026-12-21", "text": "\n  First words.\nMore."},
        {"version": 2, "marking": MARK, "added_on": "2026-12-22", "text": "x" * 200}]))
    found = await panel.read_drafts(api, "token", "c1")
    assert [d.version for d in found] == [2, 1]
    assert found[1].opening == "First words." and len(found[0].opening) == 120 and found[0].opening.endswith("…")
    assert (await panel.read_draft(api, "token", "c1", 1)).text.endswith("More.")
    with pytest.raises(cases.NotFound):
        await panel.read_draft(api, "token", "c1", 3)


async def test_a_refusal_to_read_the_drafts_is_the_services_own_words():
    api = FakeReferrals(ApiAnswer(403, {"detail": "see_drafts: only the review's panel, its reviewers …"}))
    with pytest.raises(cases.NotPermitted, match="only the review's panel"):
        await panel.read_drafts(api, "token", "c1")


SARS = [{"case_id": "a1", "case_ref": "SAR-2026-B", "pathway": "adult", "status": "not_convene_recommended",
         "received_on": "2026-12-21"},
        {"case_id": "a2", "case_ref": "SAR-2026-A", "pathway": "adult", "status": "screened",
         "received_on": "2026-12-01"},
        {"case_id": "a3", "case_ref": "SAR-2026-C", "pathway": "adult", "status": "commissioned",
         "received_on": "2026-11-01"},
        {"case_id": "c1", "case_ref": "RR-2026-A", "pathway": "child", "status": "decided",
         "received_on": "2026-10-01"}]


def test_what_awaits_the_chairs_sign_off_oldest_first_each_with_its_form():
    waiting = sign_offs.awaiting_sign_off(SARS, {"independent_chair"})
    assert [(a.case["case_ref"], a.step.slug, a.href) for a in waiting] == [
        ("SAR-2026-A", "sar-scoping", "/cases/a2/steps/sar-scoping"),
        ("SAR-2026-B", "sar-decision-review", "/cases/a1/steps/sar-decision-review")]
    assert sign_offs.awaiting_sign_off(SARS, {"panel_member", "business_unit"}) == [], "the chair's acts only"


def test_the_chairs_review_is_the_apis_json_and_blank_other_steps_keep_the_sub_groups():
    body, problems = form_to_referral({"confirmed": ["true"], "on-day": ["21"], "on-month": ["12"],
                                       "on-year": ["2026"], "reasons": ["Agreed: a single-agency review."],
                                       "other_steps_detail": [""]}, sign_offs.SAR_DECISION_REVIEW.fields)
    assert problems == {}
    assert body == {"confirmed": True, "on": "2026-12-21", "reasons": "Agreed: a single-agency review.",
                    "other_steps": []}


def test_the_boards_figures_in_words():
    assert dashboard.share(0.755) == "76%" and dashboard.share(None) == "No figure yet"
    assert dashboard.days(1) == "1 day" and dashboard.days(2.5) == "2.5 days" and dashboard.days(4.0) == "4 days"
    figures = dashboard.Dashboard(
        summary={}, overdue={}, themes={},
        timeliness={"by_group": {"reviews": {"share_on_time": 0.5}},
                    "rows": [{"key": "rr.meeting", "group": "reviews"}, {"key": "training.x", "group": "training"}]},
        annual={"year": {"label": "2026 to 2027", "from": "2026-04-01", "to": "2027-03-31"}})
    assert [r["key"] for r in figures.timeliness_rows("reviews")] == ["rr.meeting"]
    assert figures.reviews_on_time == 0.5 and figures.year_first == 2026
    assert dashboard.years_offered(date(2026, 12, 21), 2026) == [2026, 2025, 2024, 2023]
    assert dashboard.years_offered(date(2026, 12, 21), 2019)[0] == 2019
    assert figures.year_start_month == 4
    # In February 2027 the year running is still April 2026 to March 2027: 2027 to 2028 has not begun.
    assert dashboard.years_offered(date(2027, 2, 15), None, figures.year_start_month) == [2026, 2025, 2024, 2023]
    assert dashboard.years_offered(date(2027, 4, 1), None, figures.year_start_month)[0] == 2027


class FakeReporting:
    def __init__(self, status: int):
        self.status, self.asked = status, []

    async def figure(self, token: str, name: str, year: int | None = None) -> ApiAnswer:
        self.asked.append((name, year))
        return ApiAnswer(self.status, {"detail": "reporting_reader, business_unit … may read the figures"}
                         if self.status == 403 else {"rows": []})


async def test_the_dashboard_asks_for_every_figure_and_a_refusal_is_reportings_own():
    api = FakeReporting(200)
    await dashboard.dashboard(api, "token", 2025)
    assert sorted(api.asked) == sorted([("summary", None), ("timeliness", None), ("overdue", None),
                                        ("learning-themes", None), ("annual", 2025)])
    with pytest.raises(cases.NotPermitted, match="may read the figures"):
        await dashboard.dashboard(FakeReporting(403), "token")
