"""HTTP routes of a case's documents (prefix /v1): add one (a multipart form: ``file`` and ``kind``),
list them, download one.

The upload is read as it streams in, straight into the document store's incoming file, counting its
bytes: past the limit it stops, deletes what it had and answers 413. Who may add is asked before a
byte of the file is read.
"""
from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from safeguard_shared.auth import CurrentPrincipal

from ..adapters.documents import DocumentStore, Incoming
from ..application import documents
from ..application.documents import DocumentView, Received
from ..application.errors import DocumentTooLarge, RuleBroken
from ..config import DOCUMENTS_MAX_BYTES, ReferralsSettings
from ..domain.documents import ALLOWED, KINDS, ContentCheck
from .errors import answer, runtime
from .steps import case_action

router = APIRouter(prefix="/v1", tags=["documents"])

_MAX_FIELD_BYTES = 1000  # the kind, or any other small field


def _store(request: Request) -> DocumentStore:
    store: DocumentStore = request.app.state.documents
    return store


def _limit(request: Request) -> int:
    settings = runtime(request).settings
    assert isinstance(settings, ReferralsSettings)
    return settings.documents_max_bytes


def _upload_body(limit: int) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file", "kind"], "properties": {
            "file": {"type": "string", "format": "binary",
                     "description": f"{ALLOWED}; at most {limit:,} bytes by default (REFERRALS_DOCUMENTS_MAX_BYTES). "
                                    "Its type is judged by its content, not its name"},
            "kind": {"type": "string", "enum": list(KINDS)}}}}}}}


class _Form:
    """The multipart body's parts as they arrive: small fields kept, the file written to the store's
    incoming file, fed to the content check and the digest, and counted."""

    def __init__(self, store: DocumentStore, limit: int):
        self.store, self.limit = store, limit
        self.fields: dict[str, str] = {}
        self.file: Incoming | None = None
        self.filename: str | None = None
        self.check = ContentCheck()
        self.digest = hashlib.sha256()
        self._headers: dict[bytes, bytes] = {}
        self._header = [b"", b""]
        self._name: str | None = None
        self._is_file = False
        self._field = bytearray()
        self.pending: list[bytes] = []
        self.problem: str | None = None
        self.problem_field = "file"

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self._begin, "on_part_data": self._data, "on_part_end": self._end,
                "on_header_field": lambda d, s, e: self._header.__setitem__(0, self._header[0] + d[s:e]),
                "on_header_value": lambda d, s, e: self._header.__setitem__(1, self._header[1] + d[s:e]),
                "on_header_end": self._header_end, "on_headers_finished": self._headers_finished}

    def _begin(self) -> None:
        self._headers, self._name, self._is_file, self._field = {}, None, False, bytearray()

    def _header_end(self) -> None:
        self._headers[self._header[0].lower()] = self._header[1]
        self._header = [b"", b""]

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = self._name == "file" and b"filename" in options
        if b"filename" in options and not self._is_file:
            self.problem = "attach the document as a file named 'file'"
        if self._is_file:
            if self.file is not None:
                self.problem, self._is_file = "send one file only", False
                return
            self.filename = options[b"filename"].decode("utf-8", "replace")
            self.file = self.store.incoming()

    def _data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._is_file:
            self.check.feed(chunk)
            if self.check.size > self.limit:
                raise DocumentTooLarge(self._too_large())
            self.digest.update(chunk)
            self.pending.append(chunk)
        elif len(self._field) + len(chunk) <= _MAX_FIELD_BYTES:
            self._field.extend(chunk)
        else:
            self.problem, self.problem_field = f"at most {_MAX_FIELD_BYTES} bytes", self._name or "kind"

    def _end(self) -> None:
        if not self._is_file and self._name:
            self.fields[self._name] = self._field.decode("utf-8", "replace")

    def _too_large(self) -> str:
        return f"The file is larger than the limit of {self.limit:,} bytes for a case's document; nothing was kept."

    def discard(self) -> None:
        if self.file is not None:
            self.file.discard()


async def _receive(request: Request, store: DocumentStore, limit: int) -> Received:
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        raise HTTPException(415,
                            "send the document as multipart/form-data with the fields 'file' and 'kind'")
    form = _Form(store, limit)
    parser = MultipartParser(options[b"boundary"], form.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            for data in form.pending:
                await form.file.write(data)  # type: ignore[union-attr]
            form.pending.clear()
            if form.problem:
                raise RuleBroken(["body", form.problem_field], form.problem)
        parser.finalize()
    except DocumentTooLarge as exc:
        form.discard()
        raise HTTPException(413, str(exc), headers={"connection": "close"}) from None
    except FormParserError:
        form.discard()
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the multipart body could not be read") from None
    except BaseException:
        form.discard()
        raise
    return Received(kind=form.fields.get("kind"), filename=form.filename, file=form.file, check=form.check,
                    sha256=form.digest.hexdigest())


@router.post("/cases/{case_id}/documents", status_code=status.HTTP_201_CREATED, response_model=DocumentView,
             openapi_extra={**_upload_body(DOCUMENTS_MAX_BYTES), **case_action("add_document")},
             responses={413: {"description": "The file is larger than the limit; nothing was kept"},
                        415: {"description": "The file's content is not of a type accepted (naming `file`)"}})
async def add_document(case_id: str, principal: CurrentPrincipal, request: Request) -> DocumentView | JSONResponse:
    """Add a document to a case (PDF, Word, Excel or plain text, judged by its content): an agency its own
    returns (scoping return, chronology, IMR, other); the review's drafts and final report by its
    commissioned reviewers and the business unit. Its file name is kept to show, never as a path."""
    service = runtime(request)
    refused = await answer(documents.may_add(case_id, principal, service.unit_of_work()))
    if isinstance(refused, JSONResponse):
        return refused
    store = _store(request)
    received = await answer(_receive(request, store, _limit(request)))
    if isinstance(received, JSONResponse):
        return received
    try:
        return await answer(documents.add_document(case_id, received, principal, service.unit_of_work(), store))
    finally:
        if received.file is not None:
            received.file.discard()  # kept: moved away already; refused: deleted here


@router.get("/cases/{case_id}/documents", response_model=list[DocumentView],
            openapi_extra=case_action("see_documents"))
async def list_documents(case_id: str, principal: CurrentPrincipal,
                         request: Request) -> list[DocumentView] | JSONResponse:
    """A case's documents, newest last (a review's drafts only to those who may see its drafts). Recorded
    in the access log."""
    return await answer(documents.list_documents(case_id, principal, runtime(request).unit_of_work()))


def _disposition(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/cases/{case_id}/documents/{document_id}", openapi_extra=case_action("see_documents"), response_model=None,
            response_class=StreamingResponse,
            responses={200: {"description": "The document's content, as an attachment",
                             "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                 "format": "binary"}}}}})
async def download_document(case_id: str, document_id: str, principal: CurrentPrincipal,
                            request: Request) -> StreamingResponse | JSONResponse:
    """One document, to save (never shown in the browser, never cached). Recorded in the access log with
    who and when before it is sent."""
    found = await answer(documents.read_document(case_id, document_id, principal, runtime(request).unit_of_work(),
                                                 _store(request)))
    if isinstance(found, JSONResponse):
        return found
    document = found.document
    return StreamingResponse(found.content, media_type=document.media_type, headers={
        "content-disposition": _disposition(document.filename), "cache-control": "no-store",
        "content-length": str(document.size)})
