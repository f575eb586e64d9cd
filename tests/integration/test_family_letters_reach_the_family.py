"""A letter to the adult, the family or the advocate reaches them with its recipient and words, which
never leave the referrals store but in the letter itself: through the referrals, scheduling and
notifications services on a real NATS server, real stores (SQLite and PostgreSQL) and a real SMTP
server.

- the business unit records the son's contact, the chair agrees the SAR (the family is told), the SAR
  is delayed and the business unit sends an update; then it records an advocate to be written to by
  post, and sends another update; then the daughter, with a restriction on contacting her, and a third;
- each ``family_letter_owed`` event names the letter by its number, never its recipient or words, and
  the notifications store keeps only markers;
- the notifications service asks the referrals service for each letter as it sends it; while the
  referrals service cannot answer, the letters wait and are tried again, they do not fail;
- each letter reads exactly as the same letter owed by a version 1 event (which carried the contact
  and the words) reads: the same e-mail text and the same PDF; each read is in the referrals service's
  access log as the notifications service's.
"""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from notifications.adapters.orm import notifications as messages
from referrals.adapters.orm import outbox as REFERRALS_OUTBOX  # noqa: N812  (the table, by its role)
from safeguard_shared.access_log import access_log
from safeguard_shared.contracts.referrals import FamilyContact, FamilyLetterOwedV1
from safeguard_testing.apps import bearer
from safeguard_testing.toy import eventually

LETTERS = ("sar_family_told", "sar_delay_letter", "sar_delay_update", "sar_report_shared_with_family")

# The letter as opened by its reader: the PDFs the test saw sent, to look at.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "family-letters"
SON = {"name": "Bernard Son", "relationship": "son", "channel": "email", "email": "bernard.son@family.example"}
ADVOCATE = {"name": "Carol Advocate", "relationship": "Independent advocate", "channel": "post",
            "postal_address": "2 Low Road, Exampletown EX2 2BB"}
DAUGHTER = {"name": "Dana Daughter", "relationship": "daughter", "channel": "email", "email": "dana@family.example",
            "postal_address": "3 Hill Lane\nExampletown EX3 3CC", "restriction": "Write only, never telephone"}
FIRST_UPDATE = "The trial is listed for the week of 4 October; the reviewer has met your family twice"
SECOND_UPDATE = "The trial has ended and the reviewer is finishing the report"
THIRD_UPDATE = "The report is with the board for sign-off"
# Everything about the family, and the business unit's words: only in the letters as sent.
FAMILY = ["Bernard Son", "bernard.son@family.example", "Carol Advocate", "2 Low Road", "EX2 2BB", "Dana Daughter",
          "dana@family.example", "3 Hill Lane", "Write only, never telephone", FIRST_UPDATE, SECOND_UPDATE,
          THIRD_UPDATE]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_each_letter_reads_as_before_and_only_the_referrals_store_keeps_who_it_is_to(
        case_services, issuer, smtp_server):
    started, clock = case_services
    referrals, notifications = started["referrals"], started["notifications"]
    bu, chair = bearer(issuer, "partnership", "business_unit"), bearer(issuer, "partnership", "independent_chair")
    dispatcher = notifications.app.state.dispatcher
    # The referrals service cannot be reached at first (nothing listens on port 1).
    asked = dispatcher.referrals
    reachable = asked.client, asked.base_url
    asked.client, asked.base_url = None, "http://127.0.0.1:1"

    created = await referrals.client.post("/v1/referrals/adult", headers=bearer(issuer, "icb", "referrer"), json={
        "referring_agency": "icb", "received_on": "2026-12-21",
        "authorised_by": {"name": "B. Manager", "role": "safeguarding_lead", "authorised_on": "2026-12-21"},
        "adult": {"reference": "A-311", "date_of_birth": "1948-09-12"},
        "criteria": {"died": False, "abuse_or_neglect": "not_suspected", "discretionary": True},
        "summary": "Missed visits", "involved_agencies": ["icb"], "family_contact": SON})
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    async def step(path: str, body: dict, who: dict = bu) -> None:
        answered = await referrals.client.post(f"/v1/cases/{case_id}/sar{path}", json=body, headers=who)
        assert answered.status_code == 200, (path, answered.text)

    await step("/screening", {"business_manager_agrees": True, "panel_chair_agrees": True,
                              "outcome": "proceed_to_scoping", "reasons": "discretionary review"})
    await step("/scoping", {"agencies": ["icb"]}, chair)
    await step("/scoping-returns/icb", {"information": "chronology"})
    await step("/scoping-review", {"on": "2026-12-21"})
    await step("/decision", {"convene": True, "decided_on": "2026-12-21", "reasons": "learning"})
    await step("/agreement", {"on": "2026-12-21"}, chair)
    await step("/family-notified", {"notified_on": "2026-12-21", "by": "Chair", "method": "Telephone"})  # letter 1
    await step("/delay", {"reason": "the son's trial", "reason_code": "criminal_proceedings",
                          "expected_sign_off_on": "2027-12-01"})  # letter 2
    await step("/delay/updates", {"update": FIRST_UPDATE})  # letter 3
    await step("/family-contact", ADVOCATE)
    await step("/delay/updates", {"update": SECOND_UPDATE})  # letter 4, to the advocate, to post
    await step("/family-contact", DAUGHTER)
    await step("/delay/updates", {"update": THIRD_UPDATE})  # letter 5, held: a restriction is recorded

    async def letters(status: str, count: int = 5) -> list[dict] | None:
        rows = (await notifications.client.get("/v1/notifications", params={"case_id": case_id}, headers=bu)).json()
        found = [r for r in rows if r["template"] in LETTERS]
        return found if len(found) == count and all(r["attempts"] >= 1 and r["status"] == status
                                                     for r in found) else None

    waiting = await eventually(lambda: letters("queued"), timeout=20)
    assert waiting and all("referrals service did not answer" in (r["last_error"] or "") for r in waiting), \
        "each letter was tried while the referrals service was away, and waits"

    # On the bus: each letter by its number and how its recipient is written to; nothing about them.
    async with referrals.runtime.sessions() as session:
        owed = (await session.execute(select(REFERRALS_OUTBOX.c.body).where(
            REFERRALS_OUTBOX.c.subject.like("%family_letter_owed")))).scalars().all()
    assert len(owed) == 5 and all('"schema_version":2' in body.replace(" ", "") for body in owed)
    stored = "\n".join(await notifications.every_row())
    for words in FAMILY:
        assert not [body for body in owed if words in body], f"on the bus: {words}"
        assert words not in stored, f"in the notifications store: {words}"

    # The same letters as version 1 events carried them (the contact and the words on the bus), handed
    # to the service at the same moment, are written from the event as before: the two must read alike.
    son, advocate, daughter = (FamilyContact.model_validate(c) for c in (SON, ADVOCATE, DAUGHTER))
    case_ref = (await referrals.client.get(f"/v1/cases/{case_id}", headers=bu)).json()["case_ref"]
    before = [FamilyLetterOwedV1(case_id=case_id, case_ref=case_ref, letter="delay_update", recipient=son,
                                 update=FIRST_UPDATE, reason_code="criminal_proceedings",
                                 expected_sign_off_on=date(2027, 12, 1)),
              FamilyLetterOwedV1(case_id=case_id, case_ref=case_ref, letter="delay_update", recipient=advocate,
                                 update=SECOND_UPDATE, reason_code="criminal_proceedings",
                                 expected_sign_off_on=date(2027, 12, 1)),
              FamilyLetterOwedV1(case_id=case_id, case_ref=case_ref, letter="delay_update", recipient=daughter,
                                 update=THIRD_UPDATE, reason_code="criminal_proceedings",
                                 expected_sign_off_on=date(2027, 12, 1))]
    for event in before:
        envelope = event.envelope(producer="referrals", occurred_at=clock.now())
        assert await notifications.runtime.inbox.handle_once("notifications", envelope,
                                                             notifications.app.state.handle_event)

    # The referrals service answers again; the letters go at their next attempt (after the back-off).
    asked.client, asked.base_url = reachable
    clock.set(clock.now() + timedelta(hours=2))
    dispatcher.wake()
    sent = await eventually(lambda: letters("sent", count=8), timeout=30)
    assert sent, "every letter went once the referrals service answered"

    # Each update letter, owed by version 2, next to the same letter owed by version 1: by the route
    # each took (the son by e-mail; the advocate by post, through the business unit; the daughter, with
    # a restriction recorded, held for the business unit).
    async with notifications.runtime.sessions() as session:
        rows = (await session.execute(select(messages.c.notification_id, messages.c.letter_no, messages.c.route)
                                      .where(messages.c.template == "sar_delay_update"))).all()
    pairs = {route: ([r.notification_id for r in rows if r.route == route and r.letter_no is not None],
                     [r.notification_id for r in rows if r.route == route and r.letter_no is None])
             for route in ("email", "post", "held")}
    assert sorted(r.letter_no or 0 for r in rows) == [0, 0, 0, 3, 4, 5]
    by_id = {m["X-Safeguard-Notification"]: m for m in smtp_server.relay.received}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for route, ([now], [then]) in pairs.items():
        after, before_ = by_id[now], by_id[then]
        assert (after["To"], after["Subject"]) == (before_["To"], before_["Subject"]), route
        body = after.get_body(("plain",)).get_content()
        assert body == before_.get_body(("plain",)).get_content(), f"{route}: the e-mail reads as before"
        [pdf] = [p.get_content() for p in after.iter_attachments() if p.get_filename() == "letter.pdf"]
        [pdf_before] = [p.get_content() for p in before_.iter_attachments() if p.get_filename() == "letter.pdf"]
        (ARTIFACTS / f"update-{route}.pdf").write_bytes(pdf)
        assert pdf_text(pdf) == pdf_text(pdf_before), f"{route}: the letter reads as before"
        assert pdf == pdf_before, f"{route}: the very same PDF"
    son_letter = by_id[pairs["email"][0][0]]
    said = " ".join(son_letter.get_body(("plain",)).get_content().split())
    assert son_letter["To"] == SON["email"] and "Dear Bernard Son," in said and FIRST_UPDATE in said
    posted = by_id[pairs["post"][0][0]].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Carol Advocate" in posted and "  2 Low Road\n  Exampletown EX2 2BB\n" in posted, "the address to post to"
    [posted_pdf] = [p.get_content() for p in by_id[pairs["post"][0][0]].iter_attachments()]
    assert "2 Low Road" in pdf_text(posted_pdf) and SECOND_UPDATE in " ".join(pdf_text(posted_pdf).split())
    held = " ".join(by_id[pairs["held"][0][0]].get_body(("plain",)).get_content().split())
    assert "Dana Daughter" in held and DAUGHTER["restriction"] in held

    # Each fetch is a read of the case, recorded as the notifications service's: one per letter sent.
    async with referrals.runtime.sessions() as session:
        reads = (await session.execute(select(access_log.c.endpoint).where(
            access_log.c.case_id == case_id, access_log.c.subject == "service:notifications"))).scalars().all()
    assert sorted(reads) == [f"GET /v1/cases/{case_id}/family-letters/{n}" for n in (1, 2, 3, 4, 5)]

    # What was sent is not kept by the notifications service for a letter owed by version 2.
    async with notifications.runtime.sessions() as session:
        kept = (await session.execute(select(messages).where(messages.c.letter_no.is_not(None)))).all()
    for words in FAMILY:
        assert not [row for row in kept if words in str(tuple(row))], f"kept after sending: {words}"
