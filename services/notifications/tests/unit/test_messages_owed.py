"""Which messages the framework's moments owe, to whom, once: the policies, on plain arguments.

Each policy reads as the framework does ("when a SAR runs past six months, write to the adult or
advocate"); the idempotency key decides what counts as the same message.
"""
from __future__ import annotations

from datetime import date

import pytest

from notifications.domain.messages import (
    LETTERS,
    ROUTED_SUBJECTS,
    SUBJECTS,
    Invitee,
    MessageOwed,
    Recipient,
    kind_of,
    route_for,
    when_a_letter_to_the_family_is_owed_write_it,
    when_a_message_fails_alert_the_business_unit,
    when_a_referral_is_returned_send_it_back_with_the_reasons,
    when_a_sar_referral_is_screened_tell_the_referrer,
    when_a_training_survey_is_due_write_to_its_recipient,
    when_an_immediate_concern_is_found_escalate_it,
    when_case_opened_send_statutory_notices,
    when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies,
    when_the_audit_programme_is_due_send_it_to_each_invitee,
    when_the_audit_template_is_due_send_it_to_each_agency_audit_lead,
    when_the_local_authority_confirms_notify_the_panel,
    with_survey_details,
)
from safeguard_testing.apps import CANARIES

CASE = "c0ffee00-0000-4000-8000-000000000001"
AUDIT = "a0d17000-0000-4000-8000-000000000002"
DAUGHTER = Recipient("Jo Example", email="jo@family.invalid", relationship="daughter")


def keys(owed: list[MessageOwed]) -> list[str]:
    return [m.idempotency_key for m in owed]


def test_every_subject_line_is_a_constant_that_names_nobody():
    for subject in [*SUBJECTS.values(), *ROUTED_SUBJECTS.values()]:
        assert "{" not in subject and len(subject) <= 68, subject
        for canary in CANARIES:
            assert canary not in subject


def test_each_message_has_its_own_subject():
    assert len(set(SUBJECTS.values())) == len(SUBJECTS)


def test_the_same_moment_owes_the_same_messages_with_the_same_keys():
    first = when_case_opened_send_statutory_notices(CASE, ["national_panel"])
    again = when_case_opened_send_statutory_notices(CASE, ["national_panel"])
    assert keys(first) == keys(again) and len(first) == 1


def test_the_panels_notice_confirmed_by_the_local_authority_is_the_same_message_as_an_unheld_one():
    assert keys(when_the_local_authority_confirms_notify_the_panel(CASE)) == keys(
        when_case_opened_send_statutory_notices(CASE, ["national_panel"]))


def test_the_referrer_named_in_an_event_gets_the_outcome_instead_of_the_agencys_lead():
    person = Recipient("R. Referrer", email="referrer@police.invalid", contact_id="referrer-1")
    [_, to_lead, *_] = when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
        CASE, "police", ["police"])
    [_, to_person, *_] = when_rapid_review_decided_tell_the_panel_the_referrer_and_the_agencies(
        CASE, "police", ["police"], referrer=person)
    assert to_lead.to is None and to_person.to == person
    assert to_lead.idempotency_key != to_person.idempotency_key


def test_a_returned_referral_says_why_and_a_second_return_is_a_second_letter():
    [first] = when_a_referral_is_returned_send_it_back_with_the_reasons(
        CASE, "adult", "icb", ["not authorised by a safeguarding lead or senior manager"], returned="event-1")
    [again] = when_a_referral_is_returned_send_it_back_with_the_reasons(
        CASE, "adult", "icb", ["no summary of concerns"], returned="event-2")
    assert (first.recipient_kind, first.agency, first.template) == ("referrer", "icb", "referral_returned")
    assert first.context["reasons"] == ["not authorised by a safeguarding lead or senior manager"]
    assert first.idempotency_key != again.idempotency_key
    with pytest.raises(ValueError):
        when_a_referral_is_returned_send_it_back_with_the_reasons(CASE, "adult", "icb", [], returned="event-3")


@pytest.mark.parametrize("outcome", ["proceed_to_scoping", "not_proceeding", "criteria_not_met",
                                     "discretionary_review"])
def test_the_referrer_hears_the_screening_outcome(outcome):
    [owed] = when_a_sar_referral_is_screened_tell_the_referrer(CASE, "SAR-2027-1", "icb", outcome, date(2027, 1, 8))
    assert (owed.recipient_kind, owed.template, owed.agency) == ("referrer", "sar_screening_outcome", "icb")
    assert owed.context["outcome_text"]


def test_an_unknown_screening_outcome_is_refused():
    with pytest.raises(ValueError):
        when_a_sar_referral_is_screened_tell_the_referrer(CASE, "SAR-2027-1", "icb", "maybe", date(2027, 1, 8))


@pytest.mark.parametrize("letter, template", [
    ("family_told_of_commission", "sar_family_told"), ("delay", "sar_delay_letter"),
    ("delay_update", "sar_delay_update"), ("report_shared_with_family", "sar_report_shared_with_family")])
def test_each_letter_to_the_family_is_a_letter_and_renders_as_pdf(letter, template):
    [owed] = when_a_letter_to_the_family_is_owed_write_it(CASE, letter, DAUGHTER, reason="r", update="u")
    assert owed.template == template and owed.is_letter and template in LETTERS
    assert owed.recipient_kind == "family" and owed.to == DAUGHTER


def test_two_family_members_are_two_letters_and_the_same_member_asked_twice_is_one():
    son = Recipient("Sam Example", email="sam@family.invalid", relationship="son")
    told = lambda r: when_a_letter_to_the_family_is_owed_write_it(CASE, "family_told_of_commission", r)  # noqa: E731
    assert keys(told(DAUGHTER)) == keys(told(DAUGHTER))
    assert keys(told(DAUGHTER)) != keys(told(son))


def test_a_new_delay_or_update_is_a_new_letter_and_the_same_one_twice_is_not():
    delay = lambda reason, by=None: when_a_letter_to_the_family_is_owed_write_it(  # noqa: E731
        CASE, "delay", DAUGHTER, reason=reason, expected_by=by)
    update = lambda text: when_a_letter_to_the_family_is_owed_write_it(  # noqa: E731
        CASE, "delay_update", DAUGHTER, reason="criminal proceedings", update=text)
    assert keys(delay("criminal proceedings")) == keys(delay("criminal proceedings"))
    assert keys(delay("criminal proceedings")) != keys(delay("criminal proceedings", date(2027, 11, 1)))
    assert keys(update("the trial is listed")) != keys(update("the trial has ended"))


@pytest.mark.parametrize("relationship, kind", [
    ("advocate", "advocate"), ("Independent advocate (Care Act)", "advocate"), ("adult", "adult"),
    ("daughter", "family"), (None, "family")])
def test_letters_are_listed_under_the_adult_the_advocate_or_the_family(relationship, kind):
    assert kind_of(Recipient("X", relationship=relationship)) == kind


def test_a_letter_goes_by_email_by_post_or_to_the_business_unit_when_a_restriction_is_recorded():
    assert route_for(None) == "email"
    assert route_for(DAUGHTER) == "email"
    assert route_for(Recipient("P", postal_address=("1 High Street", "Town"), contact_method="post")) == "post"
    assert route_for(Recipient("No email", contact_method="email")) == "post"
    held = Recipient("R", email="r@family.invalid", restriction="only through the advocate")
    assert route_for(held) == "held"
    [owed] = when_a_letter_to_the_family_is_owed_write_it(CASE, "family_told_of_commission", held)
    assert owed.delivered_subject == ROUTED_SUBJECTS["held"] and owed.subject == SUBJECTS["sar_family_told"]


def test_the_audit_template_goes_to_each_involved_agencys_audit_lead_with_its_own_cases():
    owed = when_the_audit_template_is_due_send_it_to_each_agency_audit_lead(
        AUDIT, "Neglect", date(2027, 2, 10), date(2027, 2, 3), {"police": ["R2"], "icb": ["R1", "R3"]})
    assert [(m.recipient_kind, m.agency, m.context["cases"]) for m in owed] == [
        ("audit_lead", "icb", ["R1", "R3"]), ("audit_lead", "police", ["R2"])]
    assert len(set(keys(owed))) == 2


def test_each_invitee_gets_the_programme_with_their_own_times():
    outsider = Recipient("Guest Practitioner", email="guest@school.invalid", contact_id="inv-7")
    owed = when_the_audit_programme_is_due_send_it_to_each_invitee(
        AUDIT, "Neglect", date(2027, 2, 10), "Room 1", [("09:30", "Welcome"), ("10:00", "Case R1")],
        [Invitee("police", ("10:00",)), Invitee("school", ("09:30", "10:00"), to=outsider)])
    assert [(m.recipient_kind, m.context["your_times"]) for m in owed] == [
        ("audit_lead", ["10:00"]), ("invitee", ["09:30", "10:00"])]
    assert owed[0].context["programme"][1] == {"time": "10:00", "item": "Case R1"}


def test_an_immediate_concern_goes_to_the_business_unit_and_the_agency_concerned_at_once():
    owed = when_an_immediate_concern_is_found_escalate_it(AUDIT, "concern-1", "police", "R2", date(2027, 2, 10),
                                                          "Neglect")
    assert [(m.recipient_kind, m.agency) for m in owed] == [("business_unit", None), ("agency", "police")]
    assert len(set(keys(owed))) == 2


def test_a_training_survey_is_owed_once_to_its_recipient_with_no_address_of_its_own():
    [follow_up] = when_a_training_survey_is_due_write_to_its_recipient(
        "s-1", "follow_up", "trainee", "school", "Core safeguarding", date(2027, 1, 4))
    [survey] = when_a_training_survey_is_due_write_to_its_recipient(
        "s-2", "manager", "manager", "school", "Core safeguarding", date(2027, 1, 4))
    assert (follow_up.recipient_kind, follow_up.template, follow_up.survey_id) == (
        "trainee", "training_follow_up_survey", "s-1")
    assert (survey.recipient_kind, survey.template) == ("manager", "training_manager_survey")
    assert follow_up.to is None and follow_up.idempotency_key != survey.idempotency_key
    # The link and the staff number are the audits service's, put in when the message goes.
    body = f"Survey: {follow_up.context['survey_url']} until {follow_up.context['link_last_day']}"
    assert with_survey_details(body, survey_url="https://p.example/surveys/t", link_last_day="Friday 5 March 2027",
                               trainee=None) == "Survey: https://p.example/surveys/t until Friday 5 March 2027"


def test_a_failed_message_alerts_the_business_unit_but_a_failed_alert_raises_no_other():
    [alert] = when_a_message_fails_alert_the_business_unit("n-1", "scoping_request", "agency", "police", "rejected",
                                                           "550 no such user", 1, "2026-12-21T10:00:00", "case x")
    assert (alert.recipient_kind, alert.template) == ("business_unit", "notification_failed")
    assert when_a_message_fails_alert_the_business_unit("n-2", "notification_failed", "business_unit", None,
                                                        "rejected", None, 1, "t", None) == []


def test_the_rapid_review_s_free_text_fills_its_markers_numbered_and_indented_as_the_template_sets_them():
    from notifications.domain.messages import RR_LEARNING, RR_RATIONALE, RR_SAFETY_ACTIONS, with_rapid_review_content

    stored = f"Why:\n{RR_RATIONALE}\nActions:\n{RR_SAFETY_ACTIONS}\nLearning:\n{RR_LEARNING}\n"
    filled = with_rapid_review_content(stored, rationale="Two agencies held part of it.\nNeither knew.",
                                       safety_actions=["Plan reviewed", "  ", "Address flagged\nfor joint visits"],
                                       learning=[])
    assert filled == ("Why:\n   Two agencies held part of it.\n   Neither knew.\n"
                      "Actions:\n   1. Plan reviewed\n   2. Address flagged\n      for joint visits\n"
                      "Learning:\n   None recorded.\n")
