"""Every message the service writes, read as its recipient reads it: a police officer, a family
member, the national Panel. One realistic case goes through the service's own use cases (the events
the other services publish), and every template it has is rendered at least once: the e-mail body,
each PDF and each calendar invitation. None may show a UUID, a rule key or an ISO date; each names
the case by its reference where it is about a case, and each says who the partnership is and how
to reach it.
"""
from __future__ import annotations

import email
import io
import re
from datetime import UTC, date, datetime, time
from email import policy
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from sqlalchemy import select

from notifications.adapters.message_log import TO_RENDER
from notifications.adapters.orm import attachments, notifications
from notifications.domain.messages import FILLED_FROM_REFERRALS, RR_LEARNING, RR_RATIONALE, RR_SAFETY_ACTIONS
from safeguard_shared.contracts import Envelope
from safeguard_shared.contracts.audits import (
    ActionEscalated,
    AuditToolSent,
    ConcernRaised,
    InvitationsSent,
    Invitee,
    ProgrammeItem,
)
from safeguard_shared.contracts.referrals import (
    CaseOpened,
    FamilyContact,
    FamilyLetterAwaitingContact,
    FamilyLetterOwedV1,
    FinalReportReady,
    MeetingRebooked,
    RapidReviewDecided,
    ReferralReturned,
    SarDecided,
    SarScreened,
    ScopingRequested,
)
from safeguard_shared.contracts.scheduling import DeadlineDueSoon, DeadlineEscalated, DeadlineMissed, DeadlineScheduled

ROOT = Path(__file__).resolve().parents[4]
TEMPLATES = ROOT / "services/notifications/notifications/templates"
RULES = yaml.safe_load((ROOT / "services/scheduling/scheduling/rules/timescales.yaml").read_text())["rules"]

CHILD_CASE, CHILD_REF = "3f1c2b7a-5d4e-4f60-9a8b-1c2d3e4f5a6b", "RR-2027-3F1C2B"
ADULT_CASE, ADULT_REF = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d", "SAR-2027-7A6B5C"
AUDIT = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
AGENCY_CODE = re.compile(r"\b(icb|local_authority|adult_social_care|health_provider)\b")
RULE_KEY = re.compile("|".join(re.escape(key) for key in sorted(RULES, key=len, reverse=True)))

# What the partnership configures about itself (NOTIFICATIONS_PARTNERSHIP_*).
PARTNERSHIP = dict(partnership="Northshire Safeguarding Children and Adults Partnership",
                   partnership_address="County Hall, Market Street, Northtown NT1 1AA",
                   partnership_phone="01632 960123", partnership_email="safeguarding.partnership@northshire.example")
CONTACT = ("Northshire Safeguarding Children and Adults Partnership", "County Hall", "Northtown NT1 1AA",
           "01632 960123", "safeguarding.partnership@northshire.example")
# Messages about no particular case: a case file audit's, a training course's.
NOT_ABOUT_A_CASE = {"macfa_audit_template", "macfa_programme", "immediate_concern_escalation",
                    "training_follow_up_survey", "training_manager_survey"}


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


def child_events() -> list:
    received = date(2027, 1, 4)
    agencies = ["local_authority", "police", "icb", "school"]
    return [
        CaseOpened(case_id=CHILD_CASE, case_ref=CHILD_REF, pathway="child", referring_agency="police",
                   received_on=received, became_aware_on=received, involved_agencies=agencies,
                   serious_incident=True, looked_after_death=True, rapid_review=True,
                   notices_owed=["national_panel", "secretary_of_state", "ofsted"]),
        ScopingRequested(case_id=CHILD_CASE, case_ref=CHILD_REF, referring_agency="police", agencies=agencies,
                         meeting_on=date(2027, 1, 14), window_start=date(2027, 1, 13),
                         window_end=date(2027, 1, 21), meeting_time=time(10, 30),
                         meeting_place="Committee Room 2, County Hall, Market Street, Northtown",
                         complete_by=date(2027, 1, 13)),
        DeadlineDueSoon(deadline_id="d-scoping-police", key="rr.scoping_returned", case_id=CHILD_CASE,
                        case_ref=CHILD_REF, description=RULES["rr.scoping_returned"]["what"], agency="police",
                        due=date(2027, 1, 11), who_agency="police", who_role="agency_lead"),
        DeadlineMissed(deadline_id="d-scoping-police", key="rr.scoping_returned", case_id=CHILD_CASE,
                       description=RULES["rr.scoping_returned"]["what"], agency="police",
                       due=date(2027, 1, 11), who_agency="police", who_role="agency_lead"),
        DeadlineEscalated(deadline_id="d-scoping-police", key="rr.scoping_returned", case_id=CHILD_CASE,
                          case_ref=CHILD_REF, description=RULES["rr.scoping_returned"]["what"], agency="police",
                          due=date(2027, 1, 11), who_agency="police", who_role="agency_lead", escalation=1,
                          working_days_overdue=2),
        RapidReviewDecided(case_id=CHILD_CASE, case_ref=CHILD_REF, referring_agency="police", agencies=agencies,
                           decision="cspr", decided_on=date(2027, 1, 14), safety_actions=2, learning=3),
        FinalReportReady(case_id=CHILD_CASE, case_ref=CHILD_REF, pathway="child",
                         planned_publication_on=date(2027, 7, 1)),
        MeetingRebooked(case_id=CHILD_CASE, case_ref=CHILD_REF, agencies=agencies, booking=1,
                        meeting_on=date(2027, 1, 15), window_start=date(2027, 1, 13), window_end=date(2027, 1, 21),
                        meeting_time=time(14, 0), meeting_place="https://meet.northshire.example/rapid-review",
                        complete_by=date(2027, 1, 13)),
        # The partners' own duty: the reminder and the overdue notice go to the business unit itself.
        DeadlineDueSoon(deadline_id="d-rr-complete", key="rr.complete", case_id=CHILD_CASE, case_ref=CHILD_REF,
                        description=RULES["rr.complete"]["what"], due=date(2027, 2, 3),
                        who_agency="safeguarding_partners", who_role="business_unit"),
        DeadlineMissed(deadline_id="d-rr-complete", key="rr.complete", case_id=CHILD_CASE, case_ref=CHILD_REF,
                       description=RULES["rr.complete"]["what"], due=date(2027, 2, 3),
                       who_agency="safeguarding_partners", who_role="business_unit"),
    ]


def adult_events() -> list:
    by_email = FamilyContact(name="Mrs Ann Example", relationship="daughter", channel="email",
                             email="ann.example@family.example")
    by_post = FamilyContact(name="Mr Bob Example", relationship="son", channel="post",
                            postal_address="12 Elm Road, Northtown, NT2 2BB")
    letters = [FamilyLetterOwedV1(case_id=ADULT_CASE, case_ref=ADULT_REF, letter=letter, recipient=by_email,
                                reason_code="awaiting_information" if letter.startswith("delay") else None,
                                update="the panel has met twice" if letter == "delay_update" else None,
                                expected_sign_off_on=date(2027, 9, 30) if letter.startswith("delay") else None)
               for letter in ("family_told_of_commission", "delay", "delay_update", "report_shared_with_family")]
    return [
        ReferralReturned(case_id=ADULT_CASE, case_ref=ADULT_REF, pathway="adult", referring_agency="police",
                         reasons=["the adult's consent, or why it was not sought, is not recorded"]),
        SarScreened(case_id=ADULT_CASE, case_ref=ADULT_REF, referring_agency="police", outcome="proceed_to_scoping",
                    basis="mandatory"),
        SarDecided(case_id=ADULT_CASE, case_ref=ADULT_REF, referring_agency="police", convene=False,
                   decided_on=date(2027, 3, 1), confirmed_by_chair=True, chair_reviewed_on=date(2027, 3, 8),
                   other_steps=["other_statutory_review", "learning_event"], basis="mandatory",
                   mandatory_override=True),
        FamilyLetterAwaitingContact(case_id=ADULT_CASE, case_ref=ADULT_REF, letter="delay",
                                    owed_on=date(2027, 6, 1)),
        *letters,
        FamilyLetterOwedV1(case_id=ADULT_CASE, case_ref=ADULT_REF, letter="family_told_of_commission",
                           recipient=by_post),
    ]


def audit_events() -> list:
    audit_on = date(2027, 3, 29)
    return [
        DeadlineScheduled(deadline_id="d-audit", key="macfa.audit_date", audit_id=AUDIT, due=audit_on,
                          description=RULES["macfa.audit_date"]["what"]),
        AuditToolSent(audit_id=AUDIT, kind="children", agencies=["police", "school"], responses_owed=4,
                      sent_on=date(2027, 3, 1), theme="Neglect in families with younger children"),
        InvitationsSent(audit_id=AUDIT, kind="children", held_on=audit_on, sent_on=date(2027, 3, 22),
                        programme=[ProgrammeItem(starts_at="09:30", ends_at="12:30", item="Audit session"),
                                   ProgrammeItem(starts_at="13:30", ends_at="15:00", item="Learning event")],
                        invitees=[Invitee(agency="police", role="auditor", required_from="09:30",
                                          required_until="15:00")]),
        ConcernRaised(concern_id="c-1", audit_id=AUDIT, kind="children", raised_by_agency="school",
                      agency_concerned="police", raised_on=audit_on, case_no=3,
                      theme="Neglect in families with younger children"),
        ActionEscalated(action_id="a-1", source="review", case_id=CHILD_CASE, case_ref=CHILD_REF,
                        owning_agency="police", due_on=date(2027, 5, 3), escalation=1, days_overdue=3,
                        escalated_on=date(2027, 5, 6)),
    ]


async def render_everything(service) -> None:
    for event in (*child_events(), *adult_events(), *audit_events()):
        env: Envelope = event.envelope(producer="test", occurred_at=at(date(2027, 1, 4)))
        assert await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)


def readable_parts(raw: bytes) -> list[tuple[str, str]]:
    """Each part a person reads: the text, each PDF's text, each calendar invitation."""
    message = email.message_from_bytes(raw, policy=policy.default)
    parts = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain":
            parts.append(("body", part.get_content()))
        elif kind == "application/pdf":
            reader = PdfReader(io.BytesIO(part.get_payload(decode=True)))
            parts.append((part.get_filename(), "\n".join(page.extract_text() for page in reader.pages)))
        elif kind == "text/calendar":
            parts.append(("calendar", part.get_payload(decode=True).decode()))
    return parts


@pytest.fixture
async def service(databases, tmp_path, issuer, make_service):
    async with make_service(await databases.anew("notifications"), tmp_path, issuer, **PARTNERSHIP) as running:
        yield running


async def test_every_template_speaks_plainly_names_the_case_and_how_to_reach_the_partnership(service):
    await render_everything(service)
    dispatcher = service.app.state.dispatcher
    while await dispatcher.dispatch_once():
        pass
    rows = await service.rows(notifications)
    rendered = {row["template"] for row in rows}
    documents = {d["filename"] for d in await service.rows(attachments)}
    every_template = {p.name.removesuffix(".txt.j2") for p in TEMPLATES.glob("*.j2")}
    # The rapid review template is the Panel's attachment; the business unit's covering note rides a posted letter.
    attached_or_covering = {"rapid_review_template", "notification_failed", "letter_for_business_unit"}
    # The training surveys are addressed by the audits service when they go: they are read, sent and
    # checked the same way with that service in tests/integration/test_training_surveys_reach_people.py.
    attached_or_covering |= {"training_follow_up_survey", "training_manager_survey"}
    assert every_template - attached_or_covering <= rendered, "a template went unrendered"
    assert {"rapid-review-template.pdf", "letter.pdf"} <= documents

    problems = []
    for row in rows:
        if row["template"] in FILLED_FROM_REFERRALS:
            # It waits for the referrals service's free text (none here): it is read the same way with that
            # service in tests/integration/test_rapid_review_template_reaches_the_panel.py.
            continue
        raw = (service.data_dir / "outbox" / f"{row['notification_id']}.eml").read_bytes()
        for part, text in readable_parts(raw):
            where = f"{row['template']} to {row['recipient_kind']} ({part})"
            flat = " ".join(text.split())
            for pattern, what in ((UUID, "a UUID"), (RULE_KEY, "a rule key"), (ISO_DATE, "an ISO date"),
                                  (AGENCY_CODE, "an agency's code")):
                if found := pattern.search(text if part != "calendar" else _calendar_words(text)):
                    problems.append(f"{where}: {what} {found.group()!r}")
            if part == "calendar":
                continue
            if row["template"] not in NOT_ABOUT_A_CASE:
                ref = ADULT_REF if row["case_id"] == ADULT_CASE else CHILD_REF
                if ref not in flat and "your case" not in flat:
                    problems.append(f"{where}: no case reference")
            for detail in CONTACT:
                if detail not in flat:
                    problems.append(f"{where}: the partnership's {detail!r} is missing")
            to_itself = re.search(r"\b(tell|contact|ask) the business unit\b", flat)
            if row["recipient_kind"] == "business_unit" and to_itself:
                problems.append(f"{where}: asks the business unit to tell the business unit")
            for vague in ("the secure system", "contact the business unit."):
                if vague in flat and CONTACT[3] not in flat:
                    problems.append(f"{where}: says {vague!r} without saying how")
    assert not problems, "\n".join(problems)


def _calendar_words(ics: str) -> str:
    """The lines of an invitation a person reads (not DTSTART/UID and the like, which are machine values)."""
    return "\n".join(line for line in ics.splitlines()
                     if line.split(":", 1)[0].split(";", 1)[0] in ("SUMMARY", "DESCRIPTION", "LOCATION"))


async def test_a_failed_message_tells_the_business_unit_which_case_by_its_reference(databases, tmp_path, issuer,
                                                                            make_service, smtp_server, over_smtp):
    smtp_server.relay.refuse_always("national-panel@recipients.invalid", "550 5.1.1 mailbox unavailable")
    async with make_service(await databases.anew("notifications"), tmp_path, issuer,
                            **over_smtp(smtp_server), **PARTNERSHIP) as running:
        event = child_events()[0]
        env = event.envelope(producer="test", occurred_at=at(date(2027, 1, 4)))
        await running.runtime.inbox.handle_once("notifications", env, running.app.state.handle_event)
        while await running.app.state.dispatcher.dispatch_once():
            pass
        async with running.runtime.unit_of_work() as uow:
            [body] = (await uow.session.execute(select(notifications.c.body).where(
                notifications.c.template == "notification_failed"))).scalars().all()
    flat = " ".join(body.split())
    assert not UUID.search(body) and not ISO_DATE.search(body), body
    assert f"For: partnership case {CHILD_REF}" in flat, body
    assert all(detail in flat for detail in CONTACT), body


async def test_a_meeting_invitation_gives_the_date_time_and_place_and_a_calendar_invitation_outlook_accepts(service):
    from icalendar import Calendar

    from notifications.adapters.mime import compose

    scoping = child_events()[1]
    env = scoping.envelope(producer="referrals", occurred_at=at(date(2027, 1, 4)))
    assert await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)
    while await service.app.state.dispatcher.dispatch_once():
        pass
    rows = [r for r in await service.rows(notifications) if r["template"] == "meeting_invitation"]
    assert len(rows) == 4, "one invitation to each involved agency"
    uids = set()
    for row in rows:
        raw = (service.data_dir / "outbox" / f"{row['notification_id']}.eml").read_bytes()
        message = email.message_from_bytes(raw, policy=policy.default)
        assert message["Subject"] == "Invitation to a rapid review meeting", "the subject stays a constant"
        flat = " ".join(message.get_body(("plain",)).get_content().split())
        assert "Date: Thursday 14 January 2027 Time: 10:30" in flat
        assert "Place: Committee Room 2, County Hall, Market Street, Northtown" in flat
        [request] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert request.get_param("method") == "REQUEST"
        ics = Calendar.from_ical(request.get_payload(decode=True))
        assert str(ics["METHOD"]) == "REQUEST"
        [event] = ics.walk("VEVENT")
        uids.add(str(event["UID"]))
        queued_at = row["queued_at"].replace(tzinfo=UTC) if row["queued_at"].tzinfo is None else row["queued_at"]
        assert event["DTSTAMP"].dt == queued_at, "DTSTAMP: when the invitation was written (the queue time)"
        assert event["DTSTART"].dt == datetime(2027, 1, 14, 10, 30, tzinfo=UTC)  # GMT in January
        assert event["DTEND"].dt == datetime(2027, 1, 14, 12, 30, tzinfo=UTC)
        assert str(event["ORGANIZER"]) == "mailto:business-unit@recipients.invalid"
        assert str(event["ATTENDEE"]) == f"mailto:{row['recipient_address']}"
        assert str(event["SUMMARY"]) == f"Rapid review meeting: partnership case {CHILD_REF}"
        assert str(event["LOCATION"]) == "Committee Room 2, County Hall, Market Street, Northtown"
        assert CHILD_CASE not in raw.decode() and not UUID.search(str(event["UID"]))
        # Exactly once: the message rebuilt for another attempt is the very same bytes.
        docs = [d for d in await service.rows(attachments) if d["notification_id"] == row["notification_id"]]
        assert bytes(compose(row, docs, sender=service.settings.sender)) == raw
    assert len(uids) == 1, "one meeting: the same UID in every agency's invitation"


async def test_an_invitation_without_a_booked_time_says_so_and_is_a_days_event(service):
    from icalendar import Calendar

    scoping = child_events()[1].model_copy(update={"meeting_time": None, "meeting_place": "https://meet.example/rr"})
    env = scoping.envelope(producer="referrals", occurred_at=at(date(2027, 1, 4)))
    await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)
    [row] = [r for r in await service.rows(notifications)
             if r["template"] == "meeting_invitation" and r["agency"] == "police"]
    assert "Time: to be confirmed" in row["body"] and "Online: https://meet.example/rr" in row["body"]
    [doc] = [d for d in await service.rows(attachments) if d["notification_id"] == row["notification_id"]]
    [event] = Calendar.from_ical(doc["content"]).walk("VEVENT")
    assert event["DTSTART"].dt == date(2027, 1, 14) and event["DTEND"].dt == date(2027, 1, 15)


async def test_the_completed_rapid_review_template_to_the_panel_says_who_attended(service):
    from safeguard_shared.contracts.referrals import RapidReviewAttendance

    decided = child_events()[5].model_copy(update={"attended": [
        RapidReviewAttendance(agency="local_authority", role="Head of children's safeguarding"),
        RapidReviewAttendance(agency="police", role="Detective Inspector, public protection"),
        RapidReviewAttendance(agency="icb", role="Designated nurse for safeguarding children")]})
    env = decided.envelope(producer="referrals", occurred_at=at(date(2027, 1, 14)))
    assert await service.runtime.inbox.handle_once("notifications", env, service.app.state.handle_event)
    [document] = [d for d in await service.rows(attachments) if d["filename"] == "rapid-review-template.pdf"]
    # Kept as its text with markers where the referrals service's free text goes, made a PDF as it is sent.
    assert document["kind"] == TO_RENDER
    text = " ".join(document["content"].decode().split())
    for marker in (RR_RATIONALE, RR_SAFETY_ACTIONS, RR_LEARNING):
        assert marker in text
    assert "Who attended the meeting" in text
    assert "- Detective Inspector, public protection, police" in text
    assert "- Designated nurse for safeguarding children, integrated care board (ICB)" in text
    assert f"Partnership case reference: {CHILD_REF}" in text and "Thursday 14 January 2027" in text
