"""What the business unit sees of a case's or an audit's messages: each one's status with its times,
and — for the business unit only — what was sent, the ``.eml`` to open and the letter's PDF."""
from __future__ import annotations

import email
import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from email import policy

import pytest
import yaml

from notifications.adapters.directory import DEFAULT_DIRECTORY, DirectoryError
from notifications.adapters.orm import access_log, notifications
from notifications.application.outgoing import queue_all
from notifications.domain.messages import when_the_audit_template_is_due_send_it_to_each_agency_audit_lead
from safeguard_shared.contracts.referrals import CaseOpened, FamilyContact, FamilyLetterOwedV1
from safeguard_testing.apps import bearer

CASE = "5a5a5a5a-0000-4000-8000-0000000000cc"
AUDIT = "a0d17000-0000-4000-8000-0000000000dd"
AT = datetime(2026, 12, 21, 10, tzinfo=UTC)


@pytest.fixture
async def service(databases, tmp_path, issuer, make_service):
    async with make_service(await databases.anew("notifications"), tmp_path, issuer) as running:
        yield running


def letter_owed(channel: str = "post") -> FamilyLetterOwedV1:
    return FamilyLetterOwedV1(case_id=CASE, case_ref="SAR-2027-5A5A5A", letter="family_told_of_commission",
                            recipient=FamilyContact(name="Alex Example", relationship="advocate", channel=channel,
                                                    email="alex@advocacy.invalid",
                                                    postal_address="1 High Street\nExampletown\nEX1 1AA"))


async def owe(service, event) -> None:
    assert await service.runtime.inbox.handle_once(
        "notifications", event.envelope(producer="referrals", occurred_at=AT),
        service.app.state.handle_event)


async def test_the_business_unit_sees_each_status_with_its_time_and_what_was_sent(service, issuer):
    await owe(service, letter_owed())
    business_unit = bearer(issuer, "partnership", "business_unit")

    [queued] = (await service.client.get("/v1/notifications", params={"case_id": CASE}, headers=business_unit)).json()
    assert (queued["status"], queued["recipient_kind"], queued["template"], queued["route"]) == (
        "queued", "advocate", "sar_family_told", "post")
    assert queued["queued_at"] and queued["next_attempt_at"] and queued["sent_at"] is None and queued["pdf"] is True
    assert queued["recipient_address"] == "business-unit@recipients.invalid", "the business unit posts it"
    assert "1 High Street" in queued["body"] and queued["delivery_log"] == []

    service.runtime.clock.set(AT + timedelta(minutes=5))
    assert await service.app.state.dispatcher.dispatch_once() == 1
    [sent] = (await service.client.get("/v1/notifications", params={"case_id": CASE}, headers=business_unit)).json()
    assert sent["status"] == "sent" and sent["sending_at"] == sent["sent_at"] == "2026-12-21T10:05:00+00:00"
    assert [(a["attempt"], a["outcome"]) for a in sent["delivery_log"]] == [(1, "sent")]
    reads = await service.rows(access_log)
    assert [(r["operation"], r["case_id"]) for r in reads] == [("notifications, with what was sent", CASE)] * 2, \
        "each read of what was sent is recorded"
    metrics = (await service.client.get("/metrics")).text
    assert 'safeguard_notification_attempts_total{channel="outbox",outcome="sent"}' in metrics


async def test_a_panel_member_sees_statuses_but_not_what_was_sent(service, issuer):
    await owe(service, letter_owed())
    [listed] = (await service.client.get("/v1/notifications", params={"case_id": CASE},
                                         headers=bearer(issuer, "partnership", "panel_member"))).json()
    assert listed["status"] == "queued"
    for private in ("body", "recipient_address", "recipient_name", "last_error", "delivery_log"):
        assert private not in listed


async def test_the_message_opens_as_an_eml_and_the_letter_as_a_pdf(service, issuer):
    await owe(service, letter_owed(channel="email"))
    await service.app.state.dispatcher.dispatch_once()
    [row] = await service.rows(notifications)
    business_unit = bearer(issuer, "partnership", "business_unit")
    base = f"/v1/notifications/{row['notification_id']}"

    eml = await service.client.get(f"{base}/message.eml", headers=business_unit)
    assert eml.status_code == 200 and eml.headers["content-type"].startswith("message/rfc822")
    message = email.message_from_bytes(eml.content, policy=policy.default)
    assert message["Message-ID"] == row["message_id"] and message["To"] == "alex@advocacy.invalid"
    assert eml.content == (service.data_dir / "outbox" / f"{row['notification_id']}.eml").read_bytes(), \
        "exactly the file that was sent"

    pdf = await service.client.get(f"{base}/letter.pdf", headers=business_unit)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    pypdf = pytest.importorskip("pypdf")
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Dear Alex Example," in text and "EX1 1AA" in text

    panel = bearer(issuer, "partnership", "panel_member")
    assert (await service.client.get(f"{base}/message.eml", headers=panel)).status_code == 403
    assert (await service.client.get(f"{base}/letter.pdf", headers=panel)).status_code == 403
    assert (await service.client.get(f"{base}/letter.pdf")).status_code == 401
    missing = "/v1/notifications/00000000-0000-4000-8000-000000000000/message.eml"
    assert (await service.client.get(missing, headers=business_unit)).status_code == 404


async def test_a_message_without_a_pdf_says_so(service, issuer):
    await owe(service, CaseOpened(case_id=CASE, case_ref="RR-1", pathway="child", referring_agency="police",
                                  received_on=date(2026, 12, 21), involved_agencies=["police"],
                                  notices_owed=["national_panel"]))
    [row] = await service.rows(notifications)
    response = await service.client.get(f"/v1/notifications/{row['notification_id']}/letter.pdf",
                                        headers=bearer(issuer, "partnership", "business_unit"))
    assert response.status_code == 404 and response.json()["detail"] == "this message has no PDF"


async def test_an_audits_messages_are_listed_by_audit_id(service, issuer):
    async with service.runtime.unit_of_work() as uow:
        await queue_all(uow, when_the_audit_template_is_due_send_it_to_each_agency_audit_lead(
            AUDIT, "Neglect", date(2027, 2, 10), date(2027, 2, 3), {"police": ["R2"]}), service.app.state.outgoing,
            audit_id=AUDIT)
    listed = (await service.client.get("/v1/notifications", params={"audit_id": AUDIT},
                                       headers=bearer(issuer, "partnership", "qa_lead"))).json()
    assert [(m["recipient_kind"], m["agency"], m["template"]) for m in listed] == [
        ("audit_lead", "police", "macfa_audit_template")]
    [row] = await service.rows(notifications)
    assert row["recipient_address"] == "police-audit@recipients.invalid"


async def test_a_directory_without_an_audit_lead_stops_the_service_naming_the_key(
        sqlite_databases, tmp_path, issuer, make_service):
    data = yaml.safe_load(DEFAULT_DIRECTORY.read_text())
    del data["audit_leads"]["police"]
    broken = tmp_path / "directory.yaml"
    broken.write_text(yaml.safe_dump(data))

    with pytest.raises(DirectoryError, match="audit_leads.police"):
        async with make_service(sqlite_databases.new("notifications"), tmp_path, issuer,
                                directory_file=str(broken)):
            pass

    started = subprocess.run([sys.executable, "-m", "notifications"], capture_output=True, text=True, timeout=60,
                             env={"NOTIFICATIONS_DIRECTORY_FILE": str(broken), "SAFEGUARD_DATA_DIR": str(tmp_path),
                                  "PATH": "/usr/bin:/bin"})
    assert started.returncode != 0
    assert "missing 'audit_leads.police" in started.stderr and "Traceback" not in started.stderr


def test_a_bad_setting_stops_the_service_without_echoing_the_password(tmp_path):
    started = subprocess.run([sys.executable, "-m", "notifications"], capture_output=True, text=True, timeout=60,
                             env={"NOTIFICATIONS_CHANNEL": "smtp", "SMTP_PASSWORD": "hunter2-relay-secret",
                                  "SAFEGUARD_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert started.returncode != 0 and "SMTP_HOST" in started.stderr
    assert "hunter2-relay-secret" not in started.stderr


LISTED = ["notification_id", "case_id", "audit_id", "recipient_kind", "agency", "template", "status", "route",
          "channel", "message_id", "attempts", "failure_reason", "queued_at", "next_attempt_at", "sending_at",
          "sent_at", "failed_at", "in_doubt_at", "subject", "pdf"]
WHAT_WAS_SENT = ["body", "recipient_name", "recipient_address", "last_error", "last_code", "attachments",
                 "delivery_log"]


async def test_the_listing_keeps_its_keys_and_documents_them(service, issuer):
    # Outside tools read GET /v1/notifications?case_id=: the same keys, in the same order, for each reader.
    await owe(service, letter_owed())
    for role, keys in (("panel_member", LISTED), ("business_unit", LISTED + WHAT_WAS_SENT)):
        [listed] = (await service.client.get("/v1/notifications", params={"case_id": CASE},
                                             headers=bearer(issuer, "partnership", role))).json()
        assert list(listed) == keys, role
    [attachment] = listed["attachments"]
    assert attachment == {"filename": "letter.pdf", "kind": "letter"}

    schema = service.app.openapi()["paths"]["/v1/notifications"]["get"]["responses"]["200"]
    assert schema["content"]["application/json"]["schema"]["items"]["$ref"].endswith("/NotificationOut")
