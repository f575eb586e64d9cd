"""When a message is tried again, when it is given up, what an SMTP reply means, and the directory
the service refuses to start without."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from notifications.adapters.directory import DEFAULT_DIRECTORY, DirectoryError, check_directory, load_directory
from notifications.adapters.pdf import PdfRenderer, latin1
from notifications.adapters.smtp import _by_code
from notifications.config import load_settings
from notifications.domain.delivery import PermanentFailure, RetryPolicy, TemporaryFailure, outcome_of


def test_retries_back_off_exponentially_up_to_a_cap():
    policy = RetryPolicy(max_attempts=10, base_seconds=60, cap_seconds=3600)
    assert [policy.delay_after(n).total_seconds() for n in range(1, 9)] == [
        60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_temporary_failure_is_retried_until_the_attempts_run_out_and_a_permanent_one_never():
    policy = RetryPolicy(max_attempts=3)
    assert outcome_of(TemporaryFailure("451"), 1, policy) == "retry"
    assert outcome_of(TemporaryFailure("451"), 2, policy) == "retry"
    assert outcome_of(TemporaryFailure("451"), 3, policy) == "failed"
    assert outcome_of(PermanentFailure("550"), 1, policy) == "failed"


@pytest.mark.parametrize("code, permanent", [(550, True), (554, True), (552, True), (451, False), (421, False),
                                             (450, False)])
def test_a_5xx_reply_is_permanent_and_a_4xx_reply_temporary(code, permanent):
    failure = _by_code(code, "reply")
    assert failure.permanent is permanent and failure.code == code


def test_the_shipped_directory_names_every_recipient_the_service_needs():
    directory = load_directory(None)
    assert set(directory["audit_leads"]) == set(directory["agencies"])


@pytest.mark.parametrize("remove, named", [
    (("audit_leads", "police"), "audit_leads.police"),
    (("audit_leads",), "audit_leads"),
    (("national_panel", "address"), "national_panel.address"),
    (("business_unit",), "business_unit"),
])
def test_a_directory_missing_a_key_stops_the_service_naming_the_key(tmp_path, remove, named):
    data = yaml.safe_load(DEFAULT_DIRECTORY.read_text())
    target = data
    for part in remove[:-1]:
        target = target[part]
    del target[remove[-1]]
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DirectoryError) as problem:
        load_directory(path)
    assert f"'{named}" in str(problem.value) and str(path) in str(problem.value)


def test_an_agency_without_its_audit_lead_is_named():
    data = yaml.safe_load(DEFAULT_DIRECTORY.read_text())
    data["agencies"]["fire_service"] = {"name": "Fire service lead", "address": "fire@recipients.invalid"}
    assert "audit_leads.fire_service" in check_directory(data)


def test_an_address_that_is_not_an_email_address_is_refused():
    data = yaml.safe_load(DEFAULT_DIRECTORY.read_text())
    data["ofsted"]["address"] = "Ofsted, Piccadilly Gate"
    assert check_directory(data) == "'ofsted.address' is not an e-mail address"


def test_the_channel_is_the_mail_folder_unless_a_relay_is_named(tmp_path):
    assert load_settings(data_dir=tmp_path).resolved_channel == "outbox"
    assert load_settings(data_dir=tmp_path, smtp_host="relay.invalid").resolved_channel == "smtp"
    assert load_settings(data_dir=tmp_path, smtp_host="relay.invalid", channel="outbox").resolved_channel == "outbox"
    with pytest.raises(ValueError, match="SMTP_HOST"):
        load_settings(data_dir=tmp_path, channel="smtp")
    with pytest.raises(ValueError, match="alternatives"):
        load_settings(data_dir=tmp_path, smtp_host="relay.invalid", smtp_tls=True, smtp_starttls=True)


def test_a_letter_renders_as_a_pdf_that_opens_and_reads_back():
    pdf = PdfRenderer("Example safeguarding partnership")
    at = datetime(2026, 12, 21, 10, tzinfo=UTC)
    content = pdf.render("Dear Łucja Nowak,\n\nThe review — “in brief”.\n", title="A letter", dated=date(2026, 12, 21),
                         at=at, address_lines=("Łucja Nowak", "1 High Street", "Exampletown"))
    assert content.startswith(b"%PDF-")
    assert content == pdf.render("Dear Łucja Nowak,\n\nThe review — “in brief”.\n", title="A letter",
                                 dated=date(2026, 12, 21), at=at + timedelta(0),
                                 address_lines=("Łucja Nowak", "1 High Street", "Exampletown")), "deterministic"
    pypdf = pytest.importorskip("pypdf")
    text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Dear Lucja Nowak," in text and "1 High Street" in text and "21 December 2026" in text


def test_text_outside_latin_1_is_written_as_its_nearest_plain_form():
    assert latin1("Łódź — “quoted” ‘x’ …") == 'Lódz - "quoted" \'x\' ...'
    assert latin1("café") == "café"
