"""The step forms ↔ the API's JSON, which steps are offered when, what is due in which order, and
what of a case's history a page shows."""
from __future__ import annotations

from datetime import date

from workspace.application.adult_referral_form import ADULT_REFERRAL, field_to_put_right
from workspace.application.case_overview import history_lines
from workspace.application.referral_form import errors_from_api, form_to_referral
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
    assert slugs("scoping", ["scoping_requested"]) == ["attendance", "meeting-held"]
    assert slugs("decided", ["rapid_review_decided"]) == ["panel-response"], "no CSPR was decided"
    assert slugs("decided", ["rapid_review_decided"], cspr=True) == ["panel-response", "cspr-reviewers"]
    assert slugs("decided", ["rapid_review_decided", "panel_responded", "cspr_reviewers", "cspr_terms"],
                 cspr=True) == ["cspr-involvement", "cspr-draft"]
    assert [s.slug for s in next_steps("adult", "received", BUSINESS_UNIT)] == ["sar-screening"]
    assert next_steps("adult", "screened", BUSINESS_UNIT) == [], "the independent chair signs it off"
    assert [s.slug for s in next_steps("adult", "screened", frozenset({"independent_chair"}))] == ["sar-scoping"]


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
