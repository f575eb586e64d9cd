"""A case's documents: the agencies' returns, the review's drafts and reports, exchanged through the
service that owns the case — kept by id (never by the sender's file name), judged by their content,
bounded in size, seen only by those the case's access rules allow, every list and download recorded
in the access log. On SQLite and PostgreSQL; in the folder store (the embedded default) and in
S3-compatible object storage (boto3 against moto's S3)."""
from __future__ import annotations

import io
import os
import stat
import time
import zipfile
from contextlib import asynccontextmanager

import pytest
from moto import mock_aws

from referrals.adapters.documents import STALE_SECONDS, FolderStore
from referrals.adapters.orm import access_log, case_documents, case_history
from safeguard_testing.apps import bearer, example_child_referral, migrated

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@asynccontextmanager
async def referrals_with(databases, tmp_path, issuer, monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    async with migrated("referrals", database_url=await databases.at_head("referrals"), data_dir=tmp_path,
                        issuer=issuer) as service:
        yield service


class Case:
    """The police refer a child; the school and the ICB are involved; housing is not."""

    def __init__(self, service, issuer):
        self.s = service
        self.bu = bearer(issuer, "partnership", "business_unit")
        self.police_lead = bearer(issuer, "police", "safeguarding_lead")
        self.school_lead = bearer(issuer, "school", "safeguarding_lead")
        self.school_panel = bearer(issuer, "school", "panel_member")
        self.housing_lead = bearer(issuer, "housing", "safeguarding_lead")
        self.case_id = ""

    async def refer(self) -> Case:
        answer = await self.s.client.post("/v1/referrals/child", headers=self.police_lead, json=example_child_referral(
            involved_agencies=["local_authority", "police", "icb", "school"]))
        assert answer.status_code == 201, answer.text
        self.case_id = answer.json()["case_id"]
        return self

    async def upload(self, who, content: bytes, filename: str = "chronology.pdf", kind: str = "chronology",
                     declared: str = "application/pdf"):
        return await self.s.client.post(f"/v1/cases/{self.case_id}/documents", headers=who,
                                        files={"file": (filename, content, declared)}, data={"kind": kind})

    async def listed(self, who):
        return await self.s.client.get(f"/v1/cases/{self.case_id}/documents", headers=who)

    async def download(self, who, document_id: str):
        return await self.s.client.get(f"/v1/cases/{self.case_id}/documents/{document_id}", headers=who)

    async def reads(self) -> list[dict]:
        return await self.s.rows(access_log)

    async def nothing_kept(self) -> None:
        assert await self.s.rows(case_documents) == []
        folder = self.s.data_dir / "documents"
        assert [p for p in folder.rglob("*") if p.is_file()] == [], "no file kept, none left half-written"


@pytest.fixture
async def case(referrals, issuer):
    return await Case(referrals, issuer).refer()


async def test_an_agency_adds_its_chronology_and_the_business_unit_downloads_it_recorded(case):
    added = await case.upload(case.school_lead, PDF)
    assert added.status_code == 201, added.text
    document = added.json()
    assert (document["kind"], document["filename"], document["media_type"], document["size"], document["agency"]) == \
        ("chronology", "chronology.pdf", "application/pdf", len(PDF), "school")

    listed = await case.listed(case.bu)
    assert [d["document_id"] for d in listed.json()] == [document["document_id"]]
    got = await case.download(case.bu, document["document_id"])
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["content-disposition"].startswith('attachment; filename="chronology.pdf"')
    assert got.headers["content-type"] == "application/pdf"

    reads = await case.reads()
    assert [(r["operation"], r["agency"], r["case_id"]) for r in reads] == [
        ("case documents", "partnership", case.case_id),
        (f"case document {document['document_id']}", "partnership", case.case_id)]
    assert all(r["read_at"] for r in reads)
    # The history says a chronology was added, by whom; not its name.
    [line] = [h for h in await case.s.rows(case_history) if h["action"] == "document_added"]
    assert line["detail"] == {"document_id": document["document_id"], "kind": "chronology", "agency": "school"}
    # Kept under its id, readable by the service's user only.
    folder = case.s.data_dir / "documents"
    stored = folder / document["document_id"]
    assert stored.read_bytes() == PDF
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


async def test_a_windows_program_named_report_pdf_is_refused_by_its_content(case):
    refused = await case.upload(case.school_lead, WINDOWS_PROGRAM, filename="report.pdf")
    assert refused.status_code == 415
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "file"]
    assert "PDF, Word" in problem["msg"]
    await case.nothing_kept()


async def test_a_word_document_is_recognised_by_its_parts_whatever_its_name(case):
    added = await case.upload(case.school_lead, docx(), filename="imr", kind="imr", declared="text/plain")
    assert added.status_code == 201, added.text
    assert added.json()["media_type"].endswith("wordprocessingml.document")


async def test_a_filename_that_climbs_out_of_the_folder_is_only_a_name(case):
    added = await case.upload(case.school_lead, b"Chronology\n2026-12-19 seen at school\n",
                              filename="../../etc/passwd", kind="other", declared="text/plain")
    assert added.status_code == 201, added.text
    document = added.json()
    assert document["filename"] == "passwd"
    assert document["media_type"].startswith("text/plain")
    files = [p for p in case.s.data_dir.parent.rglob("*") if p.is_file() and "passwd" in p.name]
    assert files == []
    got = await case.download(case.bu, document["document_id"])
    assert got.headers["content-disposition"].startswith('attachment; filename="passwd"')


async def test_someone_the_case_does_not_involve_sees_and_adds_nothing_and_nothing_is_logged(case):
    added = (await case.upload(case.school_lead, PDF)).json()
    before = await case.reads()

    assert (await case.upload(case.housing_lead, PDF)).status_code == 403
    assert (await case.listed(case.housing_lead)).status_code == 403
    refused = await case.download(case.housing_lead, added["document_id"])
    assert refused.status_code == 403
    assert "this is for" in refused.json()["detail"]
    assert await case.reads() == before
    assert len(await case.s.rows(case_documents)) == 1


async def test_drafts_are_only_for_those_who_may_see_a_reviews_drafts(case):
    draft = (await case.upload(case.bu, PDF, filename="draft v1.pdf", kind="draft")).json()
    chronology = (await case.upload(case.school_lead, PDF)).json()

    assert [d["kind"] for d in (await case.listed(case.school_lead)).json()] == ["chronology"]
    assert (await case.download(case.school_lead, draft["document_id"])).status_code == 403
    assert {d["document_id"] for d in (await case.listed(case.school_panel)).json()} == \
        {draft["document_id"], chronology["document_id"]}
    assert (await case.download(case.school_panel, draft["document_id"])).status_code == 200
    # An agency adds its own returns, not the review's drafts.
    assert (await case.upload(case.school_lead, PDF, kind="draft")).status_code == 403


async def test_a_document_without_a_kind_names_the_field(case):
    refused = await case.s.client.post(f"/v1/cases/{case.case_id}/documents", headers=case.school_lead,
                                       files={"file": ("a.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "kind"]
    await case.nothing_kept()


async def test_a_file_sent_under_another_name_names_the_field(case):
    refused = await case.s.client.post(f"/v1/cases/{case.case_id}/documents", headers=case.school_lead,
                                       files={"document": ("a.pdf", PDF, "application/pdf")}, data={"kind": "imr"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "file"]
    await case.nothing_kept()


async def test_a_file_over_the_limit_is_refused_while_it_streams_and_nothing_is_kept(
        databases, tmp_path, issuer, monkeypatch):
    async with referrals_with(databases, tmp_path, issuer, monkeypatch,
                              REFERRALS_DOCUMENTS_MAX_BYTES="65536") as service:
        case = await Case(service, issuer).refer()
        refused = await case.upload(case.school_lead, PDF + b"0" * 200_000)
        assert refused.status_code == 413
        assert refused.json()["detail"] == ("The file is larger than the limit of 65,536 bytes for a case's "
                                            "document; nothing was kept.")
        await case.nothing_kept()
        assert (await case.upload(case.school_lead, PDF)).status_code == 201


async def test_in_object_storage_the_document_is_an_object_keyed_by_its_id(databases, tmp_path, issuer, monkeypatch):
    with mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name="eu-west-2")
        s3.create_bucket(Bucket="case-documents", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        async with referrals_with(databases, tmp_path, issuer, monkeypatch, REFERRALS_DOCUMENTS_BUCKET="case-documents",
                                  REFERRALS_DOCUMENTS_REGION="eu-west-2", REFERRALS_DOCUMENTS_ACCESS_KEY_ID="test",
                                  REFERRALS_DOCUMENTS_SECRET_ACCESS_KEY="test") as service:
            case = await Case(service, issuer).refer()
            added = (await case.upload(case.school_lead, PDF, filename="../../chronology.pdf")).json()
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="case-documents")["Contents"]]
            assert keys == [f"documents/{added['document_id']}"]
            assert (await case.download(case.bu, added["document_id"])).content == PDF
            assert [p for p in (service.data_dir / "documents").rglob("*") if p.is_file()] == [], \
                "the upload's incoming file is gone once the object is kept"
            refused = await case.upload(case.school_lead, WINDOWS_PROGRAM, filename="report.pdf")
            assert refused.status_code == 415
            assert len(s3.list_objects_v2(Bucket="case-documents")["Contents"]) == 1


def test_an_upload_left_half_received_by_a_stopped_process_is_swept_away_a_day_later(tmp_path):
    incoming = tmp_path / "documents" / "incoming"
    incoming.mkdir(parents=True)
    (old := incoming / "left-behind.part").write_bytes(b"%PDF-")
    os.utime(old, (time.time() - STALE_SECONDS - 60,) * 2)
    (recent := incoming / "in-progress.part").write_bytes(b"%PDF-")

    FolderStore(tmp_path / "documents")

    assert (old.exists(), recent.exists()) == (False, True)
