"""A letter to the family owed by version 2 of ``family_letter_owed``: the event names the letter by its
number and says how the recipient is written to, never who they are; the letter is the same letter,
with markers where the referrals service's recipient and words go when it is sent."""
from __future__ import annotations

from datetime import date

import pytest

from notifications.domain.messages import (
    LETTER_ADDRESS,
    LETTER_EMAIL,
    LETTER_NAME,
    LETTER_RESTRICTION,
    LETTER_UPDATE,
    ROUTED_SUBJECTS,
    SUBJECTS,
    Recipient,
    when_a_letter_to_the_family_is_owed_ask_for_it_when_sent,
    when_a_letter_to_the_family_is_owed_write_it,
    with_family_letter_content,
)
from safeguard_shared.contracts.referrals import family_recipient_kind

CASE = "c0ffee00-0000-4000-8000-000000000001"
SON = Recipient("Sam Example", email="sam@family.invalid", postal_address=("1 High Street", "Exampletown EX1 1AA"),
                contact_method="post", restriction="Not before 10am", relationship="son")


def asked(letter: str = "delay_update", letter_no: int = 2, channel: str = "email", restricted: bool = False):
    [owed] = when_a_letter_to_the_family_is_owed_ask_for_it_when_sent(
        CASE, letter, letter_no, "family", channel, restricted, case_ref="SAR-2027-5A5A5A",  # type: ignore[arg-type]
        reason="a coroner's inquest", expected_by=date(2027, 12, 1))
    return owed


def test_the_letter_is_keyed_by_its_number_so_a_redelivered_event_is_one_letter_and_each_number_its_own():
    assert asked().idempotency_key == asked().idempotency_key
    assert asked(letter_no=3).idempotency_key != asked().idempotency_key
    assert asked().letter_no == 2 and asked().is_letter and asked().template == "sar_delay_update"


def test_markers_stand_where_the_recipient_and_the_words_go():
    owed = asked()
    assert owed.recipient_kind == "family"
    assert owed.to is not None and (owed.to.name, owed.to.email) == (LETTER_NAME, LETTER_EMAIL)
    assert owed.context["update"] == LETTER_UPDATE and owed.context["reason"] == "a coroner's inquest"
    assert asked("delay").context["update"] is None, "only an update letter carries the business unit's words"


@pytest.mark.parametrize("channel, restricted, route", [
    ("email", False, "email"), ("post", False, "post"), ("email", True, "held"), ("post", True, "held")])
def test_the_route_is_known_when_queued_from_how_the_recipient_is_written_to(channel, restricted, route):
    owed = asked(channel=channel, restricted=restricted)
    assert owed.route == route
    assert owed.delivered_subject == (SUBJECTS["sar_delay_update"] if route == "email" else ROUTED_SUBJECTS[route])
    assert owed.to is not None and (owed.to.postal_address == (LETTER_ADDRESS,)) == (channel == "post")
    assert (owed.to.restriction == LETTER_RESTRICTION) == restricted


def test_filling_the_markers_gives_what_the_recipient_and_words_would_have_written():
    text = (f"Dear {LETTER_NAME},\nTo: {LETTER_EMAIL}\nWhere it has reached: {LETTER_UPDATE}\n"
            f"Restriction: {LETTER_RESTRICTION}\n\n  {LETTER_ADDRESS}\n")
    assert with_family_letter_content(text, SON, "The trial is listed") == (
        "Dear Sam Example,\nTo: sam@family.invalid\nWhere it has reached: The trial is listed\n"
        "Restriction: Not before 10am\n\n  1 High Street\n  Exampletown EX1 1AA\n")


def test_a_letter_owed_by_version_1_is_still_written_from_what_its_event_carried():
    [owed] = when_a_letter_to_the_family_is_owed_write_it(CASE, "delay_update", SON, update="The trial is listed")
    assert owed.letter_no is None and owed.to == SON and owed.context["update"] == "The trial is listed"


@pytest.mark.parametrize("relationship, kind", [
    ("Independent advocate", "advocate"), ("The adult", "adult"), ("self", "adult"), ("son", "family"),
    (None, "family")])
def test_the_referrals_service_and_this_one_list_a_letter_under_the_same_kind(relationship, kind):
    assert family_recipient_kind(relationship) == kind
