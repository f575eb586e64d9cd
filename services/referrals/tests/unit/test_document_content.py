"""What a file is, judged by its content as it streams in (domain/documents.py): never by its name."""
from __future__ import annotations

import io
import zipfile

import pytest

from referrals.domain.documents import EXCEL, EXCEL_97, PDF, TEXT, WORD, WORD_97, ContentCheck, display_name

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")


def checked(content: bytes, chunk: int = 7, zip_parts: frozenset[str] | None = None):
    check = ContentCheck()
    for at in range(0, len(content), chunk):
        check.feed(content[at:at + chunk])
    return check.verdict(zip_parts)


def office_open_xml(*parts: str) -> tuple[bytes, frozenset[str]]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in ("[Content_Types].xml", *parts):
            archive.writestr(part, "<x/>")
    return buffer.getvalue(), frozenset(zipfile.ZipFile(buffer).namelist())


def compound_file(stream: str) -> bytes:
    """An OLE2 compound file whose directory names ``stream`` (UTF-16LE, as Office writes it)."""
    return OLE2 + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00\x00" + b"\x00" * 64


def test_a_pdf_by_its_header():
    assert checked(b"%PDF-1.4\n...") is PDF


@pytest.mark.parametrize(("stream", "expected"), [("WordDocument", WORD_97), ("Workbook", EXCEL_97)])
def test_word_and_excel_97_by_the_streams_their_compound_file_holds(stream, expected):
    assert checked(compound_file(stream), chunk=5) is expected


def test_another_compound_file_such_as_an_installer_is_refused():
    assert "neither a Word document nor an Excel workbook" in checked(compound_file("SummaryInformation"))


def test_word_and_excel_by_their_parts():
    content, parts = office_open_xml("word/document.xml")
    assert checked(content, zip_parts=parts) is WORD
    content, parts = office_open_xml("xl/workbook.xml")
    assert checked(content, zip_parts=parts) is EXCEL


def test_a_document_with_macros_or_any_other_zip_is_refused():
    content, parts = office_open_xml("word/document.xml", "word/vbaProject.bin")
    assert "macros" in checked(content, zip_parts=parts)
    assert "ZIP archive" in checked(b"PK\x03\x04rest", zip_parts=frozenset({"payload.exe"}))


def test_utf8_text_even_when_a_character_is_split_between_chunks():
    assert checked("Chronologie — réunion\n".encode(), chunk=1) is TEXT


@pytest.mark.parametrize("content", [b"MZ\x90\x00\x03\x00", b"caf\xe9 latin-1", b"text with a \x00 NUL", b"\xe2\x80"])
def test_programs_other_encodings_nuls_and_cut_characters_are_refused(content):
    assert isinstance(checked(content), str)


def test_an_empty_file_says_so():
    assert checked(b"") == "the file is empty"


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\IMR.docx", "IMR.docx"), ('a"b\r\nc.pdf', "a_b__c.pdf"),
    ("..", "document.pdf"), (None, "document.pdf")])
def test_the_senders_file_name_is_only_a_name(given, kept):
    assert display_name(given, PDF) == kept
