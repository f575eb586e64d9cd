"""The step forms ↔ the API's JSON, which steps are offered when, what is due in which order, and
what of a case's history a page shows."""
from __future__ import annotations

from datetime import date

from workspace.application.adult_referral_form import ADULT_REFERRAL, field_to_put_right
from workspace.application.case_overview import delayed, history_lines
from workspace.application.referral_form import errors_from_api, form_to_referral
from workspace.application.sar_steps import FINDINGS, PUBLICATION
from workspace.application.steps import ATTENDANCE, DECISION, next_steps
from workspace.application.worklist import duty_names, what_is_due

BUSINESS_UNIT = frozenset({"business_unit"})


def test_attendees_are_rows_of_fields_named_by_their_json_paths_and_empty_rows_are_left_out():
    form = {"attendees.0.agency": ["police"], "attendees.0.name": ["DI Khan"], "attendees.0.role": ["DI"],
            "attendees.1.agency": [""], "attendees.1.name": [""], "attendees.1.role": [""],
            "attendees.2.agency": ["icb"], "attendees.2.name": ["Dr Osei"], "attendees.2.role": [""]}
    body, problems = form_to_referral(form, ATTENDANCE.fields)
    assert problems == {}
    assert body == {"attendees": [{"agency": "police", "name": "DI Khan", "role": "DI"},
                                  {"agency": "icb", "name": "Dr Osei"}]}


def test_a_list_is_one_item_a_line_and_blank_lines_are_dropped():
    body, _ = form_to_referral({"decision": ["cspr"], "rationale": ["Why"],
                                "learning": ["Sharing of health visits\r\n\r\n  School absence  \n"]}, DECISION.fields)
    assert body["learning"] == ["Sharing of health visits", "School absence"]
    assert body["immediate_safety_actions"] == []


def test_an_error_inside_a_list_lands_on_the_list_and_a_date_links_to_its_day():
    errors = errors_from_api([{"loc": ["body", "attendees", 2, "role"], "msg": "Field required", "type": "missing"}],
                             form=ATTENDANCE.fields)
    assert [(e.path, e.message, e.anchor) for e in errors] == [
        ("attendees", "Enter at least one person attending", "attendees")]
    (error,) = errors_from_api([{"loc": ["body", "authorised_by", "authorised_on"],
                                 "msg": "cannot be in the future (business date is 2026-12-21)"}], form=ADULT_REFERRAL)
    assert error.anchor == "authorised_by.authorised_on-day"
    assert error.message == "Date they authorised it cannot be in the future (business date is 21 December 2026)"


def test_a_whole_section_left_empty_is_named_on_its_first_field():
    (error,) = errors_from_api([{"loc": ["body", "adult"], "msg": "Field required", "type": "missing"}],
                               form=ADULT_REFERRAL)
    assert (error.path, error.message) == ("adult.reference", "Enter your reference for the adult")


def test_each_return_reason_links_to_the_field_that_puts_it_right():
    assert field_to_put_right("the referral must be authorised by the agency's safeguarding lead or a senior "
                              "manager") == "authorised_by.name"
    assert field_to_put_right("name the agencies involved with the adult") == "involved_agencies"
    assert field_to_put_right("give a summary of the concerns") == "summary"
    assert field_to_put_right("something new") is None


def test_steps_are_offered_in_order_once_and_to_the_business_unit_only():
    def slugs(status, done=(), cspr=False, roles=BUSINESS_UNIT):
        return [s.slug for s in next_steps("child", status, roles, done=set(done), cspr=cspr)]

    assert slugs("rapid_review") == ["scoping"]
    assert slugs("rapid_review", roles=frozenset({"referrer"})) == []
    assert slugs("scoping", ["scoping_requested"]) == ["meeting-rebook", "attendance", "meeting-held"]
    assert slugs("decided", ["rapid_review_decided"]) == ["panel-response"], "no CSPR was decided"
    assert slugs("decided", ["rapid_review_decided"], cspr=True) == ["panel-response", "cspr-reviewers"]
    assert slugs("decided", ["rapid_review_decided", "panel_responded", "cspr_reviewers", "cspr_terms"],
                 cspr=True) == ["cspr-involvement", "cspr-draft"]
    assert [s.slug for s in next_steps("adult", "received", BUSINESS_UNIT)] == ["sar-screening"]
    assert next_steps("adult", "screened", BUSINESS_UNIT) == [], "the independent chair signs it off"
    assert [s.slug for s in next_steps("adult", "screened", frozenset({"independent_chair"}))] == ["sar-scoping"]


def test_a_sar_after_its_commission_is_offered_in_the_frameworks_order():
    def slugs(status, done=(), roles=BUSINESS_UNIT, is_delayed=False):
        return [s.slug for s in next_steps("adult", status, roles, done={"sar_agreed", *done}, delayed=is_delayed)]

    assert slugs("commissioned") == ["sar-family-contact", "sar-family-notified", "sar-reviewers",
                                     "sar-imr-requests", "sar-panel-meeting", "sar-draft-report", "sar-delay"]
    after = slugs("commissioned", ["family_notified", "reviewers_commissioned", "draft_report_presented"])
    assert "sar-initial-meeting" in after and "sar-committee" in after and "sar-sign-off" not in after
    assert "sar-sign-off" in slugs("commissioned", ["draft_report_presented", "committee_presentation_held"])
    assert slugs("signed_off", ["signed_off"]) == ["sar-family-contact", "sar-shared-with-family",
                                                   "sar-publication", "sar-findings"]
    assert slugs("published", ["signed_off", "sar_published"]) == ["sar-learning-event", "sar-findings"]
    assert slugs("learning_event_held", ["findings_recorded"]) == []
    # While delayed: updates and the end of the delay, never a second delay.
    while_delayed = slugs("commissioned", ["sar_delayed"], is_delayed=True)
    assert "sar-delay" not in while_delayed and {"sar-delay-update", "sar-resume"} <= set(while_delayed)
    assert slugs("commissioned", roles=frozenset({"independent_chair"})) == [], "the business unit runs the review"


def test_the_chair_alone_reviews_a_recommendation_not_to_convene():
    chair = frozenset({"independent_chair"})
    assert [s.slug for s in next_steps("adult", "not_convene_recommended", chair)] == ["sar-decision-review"]
    assert next_steps("adult", "not_convene_recommended", BUSINESS_UNIT) == []
    # Overturned, it is a decision to convene: the chair agrees the SAR next.
    assert [s.slug for s in next_steps("adult", "decided", chair, done={"sar_decision_overturned"})] == \
        ["sar-agreement"]


def test_a_sar_is_delayed_until_its_history_says_it_resumed():
    assert not delayed([])
    assert delayed([{"action": "sar_delayed"}, {"action": "panel_meeting_held"}])
    assert not delayed([{"action": "sar_delayed"}, {"action": "sar_resumed"}])
    assert delayed([{"action": "sar_delayed"}, {"action": "sar_resumed"}, {"action": "sar_delayed"}])


def test_rows_of_records_are_named_by_their_json_paths_and_empty_rows_are_left_out():
    body, problems = form_to_referral({
        "published_on-day": ["21"], "published_on-month": ["12"], "published_on-year": ["2026"],
        "recommendations.0.text": ["Share hospital discharge plans"], "recommendations.0.owning_agency": ["icb"],
        "recommendations.1.text": [""], "recommendations.1.owning_agency": [""],
        "recommendations.2.text": ["Joint visits"], "recommendations.2.owning_agency": [""]}, PUBLICATION.fields)
    assert problems == {}
    assert body == {"published_on": "2026-12-21",
                    "recommendations": [{"text": "Share hospital discharge plans", "owning_agency": "icb"},
                                        {"text": "Joint visits"}]}
    body, _ = form_to_referral({"findings": ["Discharge plans were not shared"]}, FINDINGS.fields)
    assert body == {"findings": ["Discharge plans were not shared"], "actions_taken": [], "not_implemented": []}
    (error,) = errors_from_api([{"loc": ["body", "not_implemented", 0, "reason"],
                                 "msg": "give the reason a recommendation was not implemented"}], form=FINDINGS.fields)
    assert (error.path, error.anchor) == ("not_implemented", "not_implemented")
    assert error.message == "Recommendations not implemented: give the reason a recommendation was not implemented"


def test_what_is_due_is_open_deadlines_overdue_first_named_in_the_rules_words():
    names = duty_names({"rules": [{"key": "rr.meeting", "what": "the rapid review meeting is held"},
                                  {"key": "rr.scoping_sent", "what": "scoping sent"}]})
    deadlines = [
        {"key": "rr.meeting", "due": "2027-01-12", "status": "pending",
         "who_acts": {"agency": "safeguarding_partners"}},
        {"key": "rr.scoping_sent", "due": "2026-12-03", "status": "pending", "explanation": "2 working days"},
        {"key": "rr.panel_notified", "due": "2026-12-08", "status": "met"},
        {"key": "rr.scoping_returned", "due": "2026-12-30", "status": "overdue", "agency": "police"},
    ]
    due = what_is_due(deadlines, names, date(2026, 12, 21))
    assert [(d.duty, d.due.isoformat(), d.overdue) for d in due] == [
        ("Scoping sent", "2026-12-03", True),  # its date has passed, whatever the status says yet
        ("A deadline of this case", "2026-12-30", True),
        ("The rapid review meeting is held", "2027-01-12", False)]
    assert due[1].who == "Police" and due[0].who == "The partnership's business unit"


def test_the_history_shows_codes_and_dates_never_free_text():
    (line,) = history_lines([{"at": "2026-12-21T10:00:00+00:00", "actor": "partnership:alex", "agency": "partnership",
                              "action": "meeting_held", "detail": {"held_on": "2026-12-21", "reason": "free text"}}])
    assert line.what == "Rapid review meeting held"
    assert line.detail == [("Held on", "2026-12-21")]


def test_the_workspace_keeps_the_stacks_business_date(tmp_path):
    """`safeguard up --today` sets SAFEGUARD_TODAY for every service: the workspace's "overdue" and
    "today" must be the same day as scheduling's, not the machine's."""
    from workspace.bootstrap import bootstrap
    from workspace.config import load_settings

    settings = load_settings(data_dir=tmp_path, today=date(2026, 12, 21), assets_dir=tmp_path / "assets",
                             database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.sqlite3'}")
    assert bootstrap(settings).state.workspace.clock.today() == date(2026, 12, 21)


def test_a_sars_history_shows_the_chairs_review_and_what_is_done_instead_in_words():
    (line,) = history_lines([{"at": "2026-12-21T10:00:00+00:00", "agency": "partnership",
                              "action": "sar_decision_confirmed",
                              "detail": {"confirmed": True, "on": "2026-12-21", "reasons": "free text",
                                         "other_steps": ["single_agency_review", "learning_event"]}}])
    assert line.what == "The independent chair confirmed the decision"
    assert line.detail == [("On", "2026-12-21"), ("Confirmed", "Yes"),
                           ("Instead", ["single_agency_review", "learning_event"])]


def test_a_document_on_the_timeline_is_named_by_its_kind_in_words():
    from workspace.entrypoints.web import make_templates

    (line,) = history_lines([{"at": "2027-03-01T10:00:00+00:00", "agency": "police", "action": "document_added",
                              "detail": {"kind": "imr"}}])
    [(label, value)] = line.detail
    assert (label, make_templates().globals["iso_words"](value)) == ("Kind", "Individual management review (IMR)")
