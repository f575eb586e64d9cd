"""A case's documents: which kinds there are, who may add and see each, and what a file is, judged by
its content — never by its name or the content type its sender declared.

No I/O: the file is fed here chunk by chunk as it streams in (``ContentCheck``); listing a ZIP's parts
is the caller's (an adapter reads the stored file).
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from .access import Action

DocumentKind = Literal["scoping_return", "chronology", "imr", "draft", "final_report", "other"]
KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)

# An agency adds its own returns (scoping return, chronology, IMR …); a review's drafts and its final
# report are the review's writers' (the commissioned reviewers, the business unit). Drafts are seen
# only by those who may see a review's confidential drafts.
_TO_ADD: dict[DocumentKind, Action] = {"draft": "write_review", "final_report": "write_review"}
_TO_SEE: dict[DocumentKind, Action] = {"draft": "see_drafts"}


def to_add(kind: DocumentKind) -> Action:
    return _TO_ADD.get(kind, "add_document")


def to_see(kind: DocumentKind) -> Action:
    return _TO_SEE.get(kind, "see_documents")


@dataclass(frozen=True)
class FileType:
    name: str
    media_type: str
    extension: str


PDF = FileType("PDF", "application/pdf", "pdf")
WORD = FileType("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
EXCEL = FileType("Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
WORD_97 = FileType("Word 97-2003 document", "application/msword", "doc")
EXCEL_97 = FileType("Excel 97-2003 workbook", "application/vnd.ms-excel", "xls")
TEXT = FileType("plain text", "text/plain; charset=utf-8", "txt")
ALLOWED = "PDF, Word (.doc, .docx), Excel (.xls, .xlsx) or plain text (UTF-8)"

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP = b"PK\x03\x04"
# An OLE2 compound file is a Word 97-2003 document when it holds a "WordDocument" stream, an Excel one
# when it holds a "Workbook" (or, before Excel 97, "Book"): their names in its directory, UTF-16LE.
# Other compound files (installers, Outlook messages, PowerPoint) hold neither.
_OLE2_STREAMS = {"WordDocument": WORD_97, "Workbook": EXCEL_97, "Book": EXCEL_97}
_NEEDLES = {name: name.encode("utf-16-le") + b"\x00\x00" for name in _OLE2_STREAMS}
_OVERLAP = max(len(n) for n in _NEEDLES.values())


class ContentCheck:
    """Fed a file's bytes in order; says what the file is once it has them all (``verdict``)."""

    def __init__(self) -> None:
        self.head = b""
        self.size = 0
        self._text = True
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._tail = b""
        self._streams: set[str] = set()

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if len(self.head) < 8:
            self.head += chunk[:8 - len(self.head)]
        if self._text and b"\x00" in chunk:
            self._text = False
        elif self._text:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self._text = False
        if self.head.startswith(_OLE2):
            window = self._tail + chunk
            self._streams |= {name for name, needle in _NEEDLES.items() if needle in window}
            self._tail = window[-_OVERLAP:]

    def verdict(self, zip_parts: frozenset[str] | None = None) -> FileType | str:
        """The file's type, or why it is refused. ``zip_parts``: the names inside it, if it is a ZIP."""
        if self.size == 0:
            return "the file is empty"
        if self.head.startswith(b"%PDF-"):
            return PDF
        if self.head.startswith(_OLE2):
            found = [_OLE2_STREAMS[name] for name in _OLE2_STREAMS if name in self._streams]
            return found[0] if found else "an Office 97-2003 file that is neither a Word document nor an Excel workbook"
        if self.head.startswith(_ZIP):
            return _office_open_xml(zip_parts or frozenset())
        if self._text:
            try:
                self._decoder.decode(b"", final=True)
                return TEXT
            except UnicodeDecodeError:
                pass
        return f"not a file of a type accepted: {ALLOWED}"


def _office_open_xml(parts: frozenset[str]) -> FileType | str:
    if "[Content_Types].xml" not in parts:
        return f"a ZIP archive, not a Word document or Excel workbook: {ALLOWED}"
    # A document with macros (.docm, .xlsm) carries them in vbaProject.bin: refused, whatever its name.
    if any(part.lower().endswith("vbaproject.bin") for part in parts):
        return "a Word document or Excel workbook with macros: save it without macros (.docx, .xlsx)"
    if any(part.startswith("word/") for part in parts):
        return WORD
    if any(part.startswith("xl/") for part in parts):
        return EXCEL
    return f"an Office file that is neither a Word document nor an Excel workbook: {ALLOWED}"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')


def display_name(given: str | None, file_type: FileType) -> str:
    """The sender's file name, kept to show and to offer on download — never used as a path: its last
    segment only, without control characters or the characters headers and file systems treat
    specially, at most 200 characters; "document.<ext>" when nothing is left."""
    name = unicodedata.normalize("NFC", (given or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip(" ._")
    return name[-200:] if name else f"document.{file_type.extension}"
