"""The completed rapid review template reaches the Panel with its content (issue 13), through the
referrals, scheduling and notifications services on a real NATS server, real stores (SQLite and
PostgreSQL) and a real SMTP server:

- the safeguarding partners decide at the rapid review meeting, with their rationale, the immediate
  safety actions and the learning identified: free text that stays in the referrals store — the
  ``rapid_review_decided`` event and the notifications store carry none of it;
- the notifications service asks the referrals service for it as it sends the Panel's message; while
  the referrals service cannot answer, the message waits and is tried again, it does not fail;
- the Panel's e-mail and its PDF say the decision in words, why, the actions, the learning, the
  agencies and who attended by agency and role; each read is in the referrals service's access log
  as the notifications service's;
- the referrals service answers that route to no one else: 401 without its service token when one is
  set, 403 to a caller on another machine when none is.
"""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from referrals.adapters.orm import outbox as REFERRALS_OUTBOX  # noqa: N812  (the table, by its role)
from safeguard_shared.access_log import access_log
from safeguard_shared.clock import ManualClock
from safeguard_testing.apps import bearer, example_child_referral, running
from safeguard_testing.toy import eventually

LONDON = ZoneInfo("Europe/London")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RATIONALE = "Two agencies each held part of the same concern and neither knew: national learning likely"
ACTIONS = ["Sibling's safety plan reviewed by children's social care", "Address flagged for joint visits"]
LEARNING = ["Information sharing between the school nurse and the GP practice"]
FREE_TEXT = [RATIONALE, *ACTIONS, *LEARNING]
ATTENDEES = [("local_authority", "Head of children's safeguarding"), ("police", "Detective Inspector"),
             ("icb", "Designated nurse"), ("school", "Designated safeguarding lead")]


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LONDON).astimezone(UTC)


def flat(words: str) -> str:
    return " ".join(words.split())


async def decide_a_rapid_review(referrals, issuer, clock: ManualClock) -> str:
    bu, chair = bearer(issuer, "partnership", "business_unit"), bearer(issuer, "partnership", "independent_chair")
    created = await referrals.client.post("/v1/referrals/child", json=example_child_referral(),
                                          headers=bearer(issuer, "police", "referrer"))
    assert created.status_code == 201, created.text
    case_id: str = created.json()["case_id"]

    async def post(path: str, body: dict, who: dict) -> httpx.Response:
        async def answered():  # the meeting's window reaches the case from the scheduling service
            r = await referrals.client.post(f"/v1/cases/{case_id}{path}", json=body, headers=who)
            return None if r.status_code == 409 and "not known yet" in r.text else r

        response = await eventually(answered, timeout=15)
        assert response is not None and response.status_code == 200, f"{path}: {response and response.text}"
        return response

    clock.set(morning(date(2026, 12, 22)))
    await post("/scoping", {"involved_agencies": ["local_authority", "police", "icb", "school"],
                            "meeting_on": "2027-01-05"}, bu)
    clock.set(morning(date(2026, 12, 29)))
    for agency, _ in ATTENDEES:
        await post(f"/scoping-returns/{agency}", {"records_secured": True, "involvement": "Known"},
                   bearer(issuer, agency, "referrer"))
    clock.set(morning(date(2027, 1, 5)))
    await post("/meeting/attendance", {"attendees": [{"agency": a, "name": f"Rep of {a}", "role": role}
                                                     for a, role in ATTENDEES]}, bu)
    await post("/meeting/held", {"held_on": "2027-01-05"}, bu)
    await post("/decision", {"decision": "cspr", "immediate_safety_actions": ACTIONS, "learning": LEARNING,
                             "rationale": RATIONALE}, chair)
    return case_id


async def test_the_panel_gets_the_completed_template_and_only_the_referrals_store_keeps_its_free_text(
        case_services, issuer, smtp_server):
    started, clock = case_services
    referrals, notifications = started["referrals"], started["notifications"]
    dispatcher = notifications.app.state.dispatcher
    # The referrals service cannot be reached at first (nothing listens on port 1).
    asked = dispatcher.referrals
    reachable = asked.client, asked.base_url
    asked.client, asked.base_url = None, "http://127.0.0.1:1"

    case_id = await decide_a_rapid_review(referrals, issuer, clock)
    bu = bearer(issuer, "partnership", "business_unit")

    async def panel_message(status: str):
        rows = (await notifications.client.get("/v1/notifications", params={"case_id": case_id}, headers=bu)).json()
        return next((r for r in rows if r["template"] == "rapid_review_outcome_to_panel" and r["status"] == status
                     and r["attempts"] >= 1), None)

    waiting = await eventually(lambda: panel_message("queued"), timeout=20)
    assert waiting, "the Panel's message was tried while the referrals service was away, and waits"
    assert "referrals service did not answer" in (waiting["last_error"] or "")

    # The decision's free text is on no event and in no row of the notifications store.
    async with referrals.runtime.sessions() as session:
        decided = (await session.execute(select(REFERRALS_OUTBOX.c.body).where(
            REFERRALS_OUTBOX.c.subject.like("%rapid_review_decided")))).scalars().all()
    assert len(decided) == 1 and case_id in decided[0]
    stored = "\n".join(await notifications.every_row())
    for words in FREE_TEXT:
        assert words not in decided[0], f"on the bus: {words}"
        assert words not in stored, f"in the notifications store: {words}"
    assert not [m for m in smtp_server.relay.received if m["X-Safeguard-Notification"] == waiting["notification_id"]], \
        "the Panel's message did not go without its content"

    # The referrals service answers again; the message goes at its next attempt (after its back-off).
    asked.client, asked.base_url = reachable
    clock.set(clock.now() + timedelta(hours=2))
    dispatcher.wake()
    sent = await eventually(lambda: panel_message("sent"), timeout=20)
    assert sent, "the Panel's message went once the referrals service answered"
    [message] = [m for m in smtp_server.relay.received if m["X-Safeguard-Notification"] == sent["notification_id"]]
    body = message.get_body(("plain",)).get_content()
    [template] = list(message.iter_attachments())
    assert template.get_filename() == "rapid-review-template.pdf"
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(template.get_content())).pages)
    contact = notifications.app.state.outgoing.contact
    case_ref = (await referrals.client.get(f"/v1/cases/{case_id}", headers=bu)).json()["case_ref"]
    for part, words in (("e-mail", body), ("PDF", pdf)):
        said = flat(words)
        # The case by its reference, and how to reach the partnership.
        for detail in (case_ref, *contact["address"], contact["phone"], contact["email"]):
            assert detail in said, f"{part}: {detail!r} missing"
        assert "to hold a local child safeguarding practice review" in said.lower(), part
        for expected in (*FREE_TEXT, "Tuesday 5 January 2027", *(role for _, role in ATTENDEES),
                         "Detective Inspector, police", "Designated nurse, integrated care board (ICB)"):
            assert flat(expected) in said, f"{part}: {expected!r} missing"
        assert "Rep of" not in said, f"{part}: an attendee's name left the referrals store"
        assert not UUID.search(words) and not ISO_DATE.search(words), f"{part}: {words}"

    # Each fetch is a read of the case, recorded as the notifications service's.
    async with referrals.runtime.sessions() as session:
        reads = (await session.execute(select(access_log.c.subject, access_log.c.operation, access_log.c.endpoint)
                                       .where(access_log.c.case_id == case_id,
                                              access_log.c.subject == "service:notifications"))).all()
    assert [r.endpoint for r in reads] == [f"GET /v1/cases/{case_id}/rapid-review-template"]
    assert "rapid review template" in reads[0].operation

    # What was sent is not kept by the notifications service beyond what it sent: still no free text.
    stored = "\n".join(await notifications.every_row())
    for words in FREE_TEXT:
        assert words not in stored, f"in the notifications store after sending: {words}"


@pytest.mark.parametrize("what", ["rapid-review-template", "family-letters/1"])
async def test_the_template_is_given_only_to_the_notifications_service(databases, nats_url, bus_namespace,
                                                                       tmp_path, issuer, what):
    """So is a letter to the family (tests/integration/test_family_letters_reach_the_family.py)."""
    token = "a-long-random-service-token"
    async with running(("referrals",), databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, settings={"referrals": {"service_token": token}}) as started:
        client = started["referrals"].client
        path = f"/v1/cases/00000000-0000-4000-8000-000000000000/{what}"
        assert (await client.get(path)).status_code == 401
        wrong = {"Authorization": "Bearer wrong-token-of-some-length"}
        assert (await client.get(path, headers=wrong)).status_code == 401
        # Not even a person with a partnership token.
        person = bearer(issuer, "partnership", "business_unit")
        assert (await client.get(path, headers=person)).status_code == 401
        answered = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answered.status_code == 404, "the right token reaches the route: no such case"

    async with running(("referrals",), databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path / "untokened", issuer=issuer) as started:
        app = started["referrals"].app
        elsewhere = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 40000)),
                                      base_url="http://referrals.test")
        async with elsewhere:
            assert (await elsewhere.get(path)).status_code == 403, "no token set: only this machine"
        assert (await started["referrals"].client.get(path)).status_code == 404
