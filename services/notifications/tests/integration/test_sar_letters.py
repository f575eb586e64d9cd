"""The adults' pathway's letters as their readers get them from a real SMTP relay (issue 13): the
referrer hears the decision after scoping, whichever way the independent chair went, and which Care
Act s44 basis applied; the business unit hears of a family letter owed while no contact is recorded;
a delay letter says why in the reason code's words. On SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from notifications.adapters.orm import notifications
from safeguard_shared.contracts.referrals import (
    FamilyContact,
    FamilyLetterAwaitingContact,
    FamilyLetterOwedV1,
    SarDecided,
    SarScreened,
)

ADULT, REF = "5a5a5a5a-0000-4000-8000-0000000000cc", "SAR-2027-5A5A5A"
AT = datetime(2027, 3, 8, 10, tzinfo=UTC)
PARTNERSHIP = dict(partnership="Northshire Safeguarding Adults Board",
                   partnership_address="County Hall, Market Street, Northtown NT1 1AA",
                   partnership_phone="01632 960123", partnership_email="sab@northshire.example")
CONTACT = ("Northshire Safeguarding Adults Board", "County Hall", "Northtown NT1 1AA", "01632 960123",
           "sab@northshire.example")


@pytest.fixture
async def service(databases, tmp_path, issuer, smtp_server, make_service, over_smtp):
    async with make_service(await databases.anew("notifications"), tmp_path, issuer,
                            **over_smtp(smtp_server), **PARTNERSHIP) as running:
        yield running


async def sent(service, smtp_server, *events) -> dict[str, tuple[str, str]]:
    """Each event handled as the consumer would, everything dispatched to the relay: template ->
    (the address it went to, its text on one line)."""
    for event in events:
        env = event.envelope(producer="referrals", occurred_at=AT)
        assert await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)
    while await service.app.state.dispatcher.dispatch_once():
        pass
    templates = {r["notification_id"]: r["template"] for r in await service.rows(notifications)}
    return {templates[m["X-Safeguard-Notification"]]: (m["To"], " ".join(m.get_body(("plain",)).get_content().split()))
            for m in smtp_server.relay.received}


def decided(**changes) -> SarDecided:
    values = dict(case_id=ADULT, case_ref=REF, referring_agency="icb", convene=False, decided_on=date(2027, 3, 1),
                  confirmed_by_chair=True, chair_reviewed_on=date(2027, 3, 8),
                  other_steps=["single_agency_review", "learning_event"], basis="discretionary")
    return SarDecided(**{**values, **changes})


def reads_as_a_letter(text: str) -> None:
    assert f"partnership case {REF}" in text
    assert all(detail in text for detail in CONTACT), text


async def test_the_referrer_hears_a_decision_not_to_convene_confirmed_by_the_chair_and_what_is_done_instead(
        service, smtp_server):
    [(to, text)] = (await sent(service, smtp_server, decided())).values()

    assert to == "icb-safeguarding@recipients.invalid", "the referring agency, from the directory"
    assert "will not hold a safeguarding adult review (SAR) on your referral" in text
    assert ("made its recommendation on Monday 1 March 2027, and the independent chair confirmed the "
            "recommendation on Monday 8 March 2027") in text
    assert "may arrange one at its discretion (section 44(4) of the Care Act 2014)" in text
    assert "- a single-agency review - a learning event for the practitioners involved" in text
    reads_as_a_letter(text)


async def test_the_referrer_hears_a_review_the_chair_agreed_after_overturning_the_sub_group(service, smtp_server):
    letters = await sent(service, smtp_server, decided(convene=True, confirmed_by_chair=False, other_steps=[]))
    [(_, text)] = letters.values()
    assert "will hold a safeguarding adult review (SAR) on your referral" in text
    assert "the independent chair overturned the recommendation and agreed a review on Monday 8 March 2027" in text
    assert "What will be done instead" not in text
    reads_as_a_letter(text)


async def test_a_mandatory_sar_not_convened_says_the_duty_applied_and_that_the_chair_overrode_it(service,
                                                                                                  smtp_server):
    [(_, text)] = (await sent(service, smtp_server, decided(basis="mandatory", mandatory_override=True,
                                                            other_steps=["other_statutory_review"]))).values()
    assert "the safeguarding adults board must arrange a safeguarding adult review (the mandatory duty)" in text
    assert "The independent chair decided, exceptionally, not to arrange a review under the mandatory duty" in text
    assert "another statutory review (for example a domestic homicide review)" in text


@pytest.mark.parametrize("outcome, basis, said", [
    ("proceed_to_scoping", "mandatory", "the mandatory duty"),
    ("proceed_to_scoping", "discretionary", "may arrange one at its discretion"),
    ("not_proceeding", "criteria_not_met", "does not meet the criteria for a safeguarding adult review in "
                                           "section 44"),
])
async def test_the_screening_letter_says_which_basis_applied(service, smtp_server, outcome, basis, said):
    screened = SarScreened(case_id=ADULT, case_ref=REF, referring_agency="icb", outcome=outcome, basis=basis)
    [(_, text)] = (await sent(service, smtp_server, screened)).values()
    assert "The basis: the referral" in text and said in text.split("The basis:", 1)[1], text
    if basis == "discretionary":
        assert "meets the criteria" not in text, "going forward at the board's discretion is not meeting them"
    assert "screened your referral on Monday 8 March 2027" in text
    reads_as_a_letter(text)


async def test_a_family_letter_owed_without_a_contact_is_a_notice_to_the_business_unit(service, smtp_server):
    waiting = FamilyLetterAwaitingContact(case_id=ADULT, case_ref=REF, letter="delay", owed_on=date(2027, 6, 1))
    [(to, text)] = (await sent(service, smtp_server, waiting)).values()
    assert to == "business-unit@recipients.invalid"
    assert "no family contact is recorded for the case, so it has not been sent" in text
    assert "Letter owed: Safeguarding adult review: why it will take longer than six months" in text
    assert "Owed since: Tuesday 1 June 2027" in text
    assert f"Partnership case {REF}" in text and all(detail in text for detail in CONTACT)


async def test_a_delay_letter_says_why_in_the_reason_codes_words(service, smtp_server):
    contact = FamilyContact(name="Ann Example", relationship="daughter", channel="email", email="ann@family.example")
    letter = FamilyLetterOwedV1(case_id=ADULT, case_ref=REF, letter="delay", recipient=contact,
                              reason_code="coroners_inquest", expected_sign_off_on=date(2027, 12, 1))
    [(to, text)] = (await sent(service, smtp_server, letter)).values()
    assert to == "ann@family.example"
    assert "Why it is taking longer: a coroner's inquest" in text
    assert "signed off by Wednesday 1 December 2027" in text
