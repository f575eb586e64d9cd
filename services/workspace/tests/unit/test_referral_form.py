"""The child referral form and the API's JSON, one to the other: the page and the API speak one
language (the API's JSON paths), and the API's 422 answers come back as errors against the fields
a person filled in."""
from __future__ import annotations

from safeguard_testing.apps import example_child_referral
from workspace.application.referral_form import (
    FIELDS,
    answers,
    errors_from_api,
    form_to_referral,
    read_date,
    referral_to_form,
)
from workspace.application.words import date_in_words


def test_the_example_referral_goes_through_the_form_and_back_unchanged():
    referral = example_child_referral()
    form = referral_to_form(referral)
    assert form["incident.became_aware_on-day"] == ["21"]
    assert form["incident.became_aware_on-month"] == ["12"]
    assert form["incident.became_aware_on-year"] == ["2026"]
    assert form["child.looked_after"] == ["false"]
    assert form["involved_agencies"] == ["local_authority", "police", "icb", "school"]
    body, problems = form_to_referral({**form, "csrf_token": ["ignored"]})
    assert problems == {}
    assert body == referral


def test_a_date_may_be_one_iso_field_instead_of_three():
    form = referral_to_form(example_child_referral())
    for part in ("day", "month", "year"):
        del form[f"incident.occurred_on-{part}"]
    form["incident.occurred_on"] = ["2026-12-19"]
    body, problems = form_to_referral(form)
    assert body["incident"]["occurred_on"] == "2026-12-19" and not problems


def test_three_date_fields_are_padded_and_checked_as_gov_uk_asks():
    assert read_date({"d-day": ["2"], "d-month": ["4"], "d-year": ["2015"]}, "d", "Date") == ("2015-04-02", None)
    assert read_date({"d-day": ["31"], "d-month": ["2"], "d-year": ["2026"]}, "d", "Date") == \
        ("", "Date must be a real date")
    assert read_date({"d-day": ["1"], "d-year": ["2026"]}, "d", "Date") == ("", "Date must include a month")
    assert read_date({"d-day": ["1"], "d-month": ["1"], "d-year": ["26"]}, "d", "Date")[1] == \
        "Date must be a real date, with the year in 4 numbers"
    assert read_date({}, "d", "Date") == (None, None)


def test_booleans_are_true_or_false_and_empty_optional_fields_are_left_to_the_api():
    form = referral_to_form(example_child_referral())
    form["child.care_leaver"] = ["true"]
    form["received_on-day"] = form["received_on-month"] = form["received_on-year"] = [""]
    body, _ = form_to_referral(form)
    assert body["child"]["care_leaver"] is True and body["child"]["looked_after"] is False
    assert "received_on" not in body


def test_an_empty_required_field_is_left_out_so_the_api_names_it():
    form = referral_to_form(example_child_referral())
    form["incident.summary"] = ["   "]
    form.pop("involved_agencies")
    body, _ = form_to_referral(form)
    assert "summary" not in body["incident"]
    assert body["involved_agencies"] == []


def test_the_apis_422_becomes_one_linked_error_per_field_in_the_forms_order():
    detail = [
        {"loc": ["body", "involved_agencies"], "msg": "List should have at least 1 item after validation",
         "type": "too_short"},
        {"loc": ["body", "incident", "became_aware_on"],
         "msg": "became_aware_on cannot be before occurred_on: nobody became aware of an incident before it happened",
         "type": "value_error"},
        {"loc": ["body", "incident", "outcome"], "msg": "Input should be 'died' or 'seriously_harmed'",
         "type": "literal_error"},
        {"loc": ["body", "child", "reference"], "msg": "Field required", "type": "missing"},
        {"loc": ["body", "received_on"], "msg": "cannot be in the future (business date is 2026-12-21)",
         "type": "value_error"},
    ]
    errors = errors_from_api(detail)
    assert [e.path for e in errors] == ["received_on", "child.reference", "incident.became_aware_on",
                                        "incident.outcome", "involved_agencies"]
    by_path = {e.path: e for e in errors}
    assert by_path["received_on"].message == \
        "Date of this referral cannot be in the future (business date is 21 December 2026)"
    assert by_path["child.reference"].message == "Enter your reference for the child"
    assert by_path["incident.outcome"].message == "Select what happened to the child"
    assert "cannot be before the date the incident happened" in by_path["incident.became_aware_on"].message
    assert by_path["involved_agencies"].message == FIELDS["involved_agencies"].missing
    # Each error links to the input a person must change: a date's day, a question's first option.
    assert by_path["received_on"].anchor == "received_on-day"
    assert by_path["incident.outcome"].anchor == "incident.outcome"


def test_a_date_that_is_not_a_date_is_reported_in_the_forms_words_not_the_apis():
    detail = [{"loc": ["body", "child", "date_of_birth"], "type": "date_from_datetime_parsing",
               "msg": "Input should be a valid date (dates are written YYYY-MM-DD)"}]
    local = {"child.date_of_birth": "Child's date of birth must be a real date"}
    errors = errors_from_api(detail, local)
    assert [(e.path, e.message) for e in errors] == list(local.items())


def test_dates_are_written_in_words():
    assert date_in_words("2026-12-21") == "Monday 21 December 2026"


def test_the_answers_are_listed_in_words_before_the_referral_is_sent():
    referral = example_child_referral()
    del referral["received_on"]
    rows = dict(answers(referral))
    assert rows["Date of this referral"] == "Today"
    assert rows["Date your agency became aware of the incident"] == "21 December 2026"
    assert rows["Is the child looked after by a local authority?"] == "No"
    assert rows["Is the young person a care leaver?"] == "Not given"
    assert rows["What happened to the child?"] == "The child was seriously harmed"
    assert rows["Which agencies are involved with the child or family?"] == \
        "Local authority (children's social care), Police, Integrated care board (ICB), School or education"
