"""A SAR's delay travels as a reason code, its words staying in this store (issue 12); a letter owed
to the family while no contact is recorded waits, is listed for the business unit, and goes once a
contact is recorded (issue 13); each letter owed is numbered in the case and the event names it by
that number, its recipient and words given only to the notifications service when it sends it. On
SQLite and PostgreSQL, through the API, the events read from the outbox.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from safeguard_shared.access_log import access_log

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
    assert (letter["letter"], letter["reason_code"]) == ("delay", "criminal_proceedings")
    assert "reason" not in letter and "update" not in letter, "a code, never the words"
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
    assert owed["letter_no"] == 1 and "recipient" not in owed, "the event names the letter, not its recipient"
    given = (await people.r.client.get(f"/v1/cases/{case_id}/family-letters/1")).json()
    assert given["recipient"]["email"] == "b.son@example.org"

    await done(people, case_id, "/family-contact", {**CONTACT, "email": "b.son2@example.org"})
    assert len(await people.events(case_id, "family_letter_owed")) == 1, "a letter that went is not sent again"


async def test_each_letter_is_numbered_and_only_its_number_travels(people):
    """The business unit records the son's contact, delays the SAR and sends an update, then records a
    new address for him. The events say which letter and how he is written to, never who he is or
    what the update says; the notifications service reads each letter, as it was owed, by its number."""
    case_id = await commissioned(people)
    await done(people, case_id, "/family-contact", {**CONTACT, "restriction": "not before 10am"})
    await done(people, case_id, "/delay", DELAY)
    await done(people, case_id, "/delay/updates", {"update": "the trial is listed for October"})
    await done(people, case_id, "/family-contact", {**CONTACT, "email": "new.son@example.org"})

    delay, update = await people.events(case_id, "family_letter_owed")
    [envelope, _] = await people.envelopes(case_id, "family_letter_owed")
    assert envelope["schema_version"] == 2
    assert {k: v for k, v in update.items() if k != "case_ref"} == {
        "case_id": case_id, "letter": "delay_update", "letter_no": 2, "recipient_kind": "family",
        "channel": "email", "restricted": True, "expected_sign_off_on": "2027-12-01",
        "reason_code": "criminal_proceedings"}
    assert delay["letter_no"] == 1 and delay["letter"] == "delay"
    on_the_bus = json.dumps(await people.envelopes(case_id))
    for words in ("B. Son", "b.son@example.org", "not before 10am", "the trial is listed"):
        assert words not in on_the_bus, f"on the bus: {words}"

    # The notifications service (on this machine: no service token is set) reads each letter as owed.
    client = people.r.client
    first = (await client.get(f"/v1/cases/{case_id}/family-letters/1")).json()
    second = (await client.get(f"/v1/cases/{case_id}/family-letters/2")).json()
    assert (first["letter"], first["update"], first["owed_on"]) == ("delay", None, "2026-12-21")
    assert (second["letter"], second["update"]) == ("delay_update", "the trial is listed for October")
    assert second["recipient"] == {"name": "B. Son", "relationship": "son", "channel": "email",
                                   "email": "b.son@example.org", "postal_address": None,
                                   "restriction": "not before 10am"}, "as recorded when it was owed"
    assert first["case_ref"] == second["case_ref"] and first["case_ref"].startswith("SAR-")
    assert (await client.get(f"/v1/cases/{case_id}/family-letters/3")).status_code == 404
    assert (await client.get("/v1/cases/00000000-0000-4000-8000-000000000000/family-letters/1")).status_code == 404

    # Each read is recorded against the case, as the notifications service's.
    async with people.r.runtime.sessions() as session:
        reads = (await session.execute(select(access_log.c.endpoint, access_log.c.operation).where(
            access_log.c.case_id == case_id, access_log.c.subject == "service:notifications"))).all()
    assert [r.endpoint for r in reads] == [f"GET /v1/cases/{case_id}/family-letters/1",
                                           f"GET /v1/cases/{case_id}/family-letters/2"]
    assert all("letter" in r.operation and "family" in r.operation for r in reads)
