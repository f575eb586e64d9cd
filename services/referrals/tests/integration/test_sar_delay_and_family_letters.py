"""A SAR's delay travels as a reason code, its words staying in this store (issue 12); a letter owed
to the family while no contact is recorded waits, is listed for the business unit, and goes once a
contact is recorded (issue 13). On SQLite and PostgreSQL, through the API, the events read from the
outbox.
"""
from __future__ import annotations

import json

DISCRETIONARY = {"died": False, "abuse_or_neglect": "not_suspected", "discretionary": True}
PROCEED = {"business_manager_agrees": True, "panel_chair_agrees": True, "outcome": "proceed_to_scoping",
           "reasons": "discretionary review"}
# The business unit's own words about the adult's circumstances: they must stay in this store.
WORDS = "the son's trial for assault at Exampletown Crown Court"
DELAY = {"reason": WORDS, "reason_code": "criminal_proceedings", "expected_sign_off_on": "2027-12-01"}
CONTACT = {"name": "B. Son", "relationship": "son", "channel": "email", "email": "b.son@example.org"}


async def done(people, case_id: str, path: str, body: dict, who: dict | None = None, expect: int = 200) -> dict:
    answered = await people.step(case_id, path, body, who or people.bu)
    assert answered.status_code == expect, (path, answered.text)
    return dict(answered.json())


async def commissioned(people) -> str:
    """A discretionary SAR taken to the chair's agreement, which commissions it."""
    case_id = await people.refer(DISCRETIONARY)
    for path, body, who in (
            ("/screening", PROCEED, people.bu), ("/scoping", {"agencies": ["icb"]}, people.chair),
            ("/scoping-returns/icb", {"information": "chronology"}, people.bu),
            ("/scoping-review", {"on": "2026-12-21"}, people.bu),
            ("/decision", {"convene": True, "decided_on": "2026-12-21", "reasons": "learning"}, people.bu),
            ("/agreement", {"on": "2026-12-21"}, people.chair)):
        await done(people, case_id, path, body, who)
    return case_id


async def test_a_delay_travels_as_its_reason_code_and_its_words_stay_with_the_case(people):
    case_id = await commissioned(people)
    await done(people, case_id, "/family-contact", CONTACT)

    await done(people, case_id, "/delay", DELAY)
    await done(people, case_id, "/delay/updates", {"update": "the trial is listed for October"})
    await done(people, case_id, "/delay/resume", {})

    changes = await people.envelopes(case_id, "sar_delay_changed")
    assert [(e["schema_version"], e["payload"]) for e in changes] == [
        (2, {"case_id": case_id, "change": "delayed", "reason_code": "criminal_proceedings"}),
        (2, {"case_id": case_id, "change": "resumed", "reason_code": "criminal_proceedings"})]
    [letter, _update] = await people.events(case_id, "family_letter_owed")
    assert (letter["letter"], letter["reason_code"], letter["reason"]) == ("delay", "criminal_proceedings", None)
    assert not [e for e in await people.envelopes(case_id) if "Crown Court" in json.dumps(e)], \
        "the business unit's words never leave the referrals store"
    assert (await people.state(case_id))["delay"]["reason"] == WORDS
    [delayed] = [h for h in await people.history(case_id) if h["action"] == "sar_delayed"]
    assert delayed["detail"]["reason"] == WORDS, "kept in the case's history"


async def test_a_delay_without_a_reason_code_is_refused_naming_the_field(people):
    case_id = await commissioned(people)
    refused = await done(people, case_id, "/delay", {"reason": WORDS}, expect=422)
    assert [p["loc"] for p in refused["detail"]] == [["body", "reason_code"]]
    assert await people.events(case_id, "sar_delay_changed") == []


async def test_a_letter_owed_without_a_family_contact_waits_is_listed_and_goes_once_one_is_recorded(people):
    case_id = await commissioned(people)

    progress = await done(people, case_id, "/delay", DELAY)
    assert progress["letters_awaiting_contact"] == ["delay"]
    [awaiting] = await people.events(case_id, "family_letter_awaiting_contact")
    assert awaiting == {"case_id": case_id, "case_ref": progress["case_ref"], "letter": "delay",
                        "owed_on": "2026-12-21"}
    assert await people.events(case_id, "family_letter_owed") == [], "nobody to write to yet"

    progress = await done(people, case_id, "/family-contact", CONTACT)
    assert progress["letters_awaiting_contact"] == []
    [owed] = await people.events(case_id, "family_letter_owed")
    assert (owed["letter"], owed["reason_code"], owed["expected_sign_off_on"]) == (
        "delay", "criminal_proceedings", "2027-12-01")
    assert owed["recipient"]["email"] == "b.son@example.org"

    await done(people, case_id, "/family-contact", {**CONTACT, "email": "b.son2@example.org"})
    assert len(await people.events(case_id, "family_letter_owed")) == 1, "a letter that went is not sent again"
