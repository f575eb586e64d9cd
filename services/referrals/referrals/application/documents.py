"""A case's documents: adding one, listing them, reading one.

Who may is the access table's answer with the case in hand (``domain/access.py``; the kind decides
which action, ``domain/documents.py``). Every list and every read is recorded in the access log, in the
unit of work that reads the metadata. Adding one keeps its content in the document store before its
row is committed, and removes it again if the commit fails, so no row points at nothing.
"""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import repository
from ..adapters.documents import DocumentStore, Incoming, zip_parts
from ..domain.access import authorise, may, parties
from ..domain.documents import KINDS, ContentCheck, DocumentKind, display_name, to_add, to_see
from .errors import CaseNotFound, RuleBroken, UnsupportedFile
from .queries import Instant, _case, _record_read


class DocumentView(BaseModel):
    """A document of a case: what it is and who added it (the content is downloaded on its own)."""

    document_id: str
    case_id: str
    kind: DocumentKind
    filename: str
    media_type: str
    size: int
    sha256: str
    agency: str
    added_by: str
    added_at: Instant


@dataclass
class Received:
    """An upload as it came: the kind asked for, the sender's file name, and the file as received."""

    kind: str | None
    filename: str | None
    file: Incoming | None
    check: ContentCheck
    sha256: str


async def may_add(case_id: str, principal: Principal, uow: UnitOfWork) -> None:
    """Before a file is received at all: the case exists and this person may add documents to it."""
    async with uow:
        _, case = await _case(uow, case_id)
        authorise(principal, case, "add_document")


def _kind(kind: str | None) -> DocumentKind:
    for known in KINDS:
        if kind == known:
            return known
    raise RuleBroken(["body", "kind"], f"say which kind of document this is: one of {', '.join(KINDS)}")


async def add_document(case_id: str, received: Received, principal: Principal, uow: UnitOfWork,
                       store: DocumentStore) -> DocumentView:
    kind = _kind(received.kind)
    if received.file is None:
        raise RuleBroken(["body", "file"], "attach the document as a file named 'file'")
    received.file.close()
    verdict = received.check.verdict(zip_parts(Path(received.file.path)))
    if isinstance(verdict, str):
        raise UnsupportedFile(["body", "file"], f"this file cannot be added: {verdict}")
    document_id = str(uuid.uuid4())
    kept = False
    try:
        async with uow:
            _, case = await _case(uow, case_id)
            authorise(principal, case, to_add(kind))
            now = uow.now()
            row: dict[str, Any] = dict(
                document_id=document_id, case_id=case_id, kind=kind, media_type=verdict.media_type,
                filename=display_name(received.filename, verdict), size=received.check.size, sha256=received.sha256,
                agency=principal.agency, added_by=principal.subject, added_at=now)
            await repository.add_document(uow.session, **row)
            # The history says a document was added and of which kind: never its name or its content.
            await repository.add_history(uow.session, case_id=case_id, at=now, actor=principal.subject,
                                         agency=principal.agency, action="document_added",
                                         detail={"document_id": document_id, "kind": kind, "agency": principal.agency})
            await store.keep(received.file, document_id)
            kept = True
    except BaseException:
        if kept:
            await store.remove(document_id)
        raise
    return DocumentView.model_validate(row)


async def list_documents(case_id: str, reader: Principal, uow: UnitOfWork) -> list[DocumentView]:
    """The case's documents this person may see (a review's drafts only to those who may see drafts)."""
    async with uow:
        _, case = await _case(uow, case_id)
        authorise(reader, case, "see_documents")
        involved = parties(case)
        rows = [DocumentView.model_validate(dict(r)) for r in await repository.documents(uow.session, case_id)]
        await _record_read(uow, reader, case_id, "case documents")
    return [row for row in rows if may(reader, involved, to_see(row.kind))]


@dataclass
class Download:
    document: DocumentView
    content: AsyncIterator[bytes]


async def read_document(case_id: str, document_id: str, reader: Principal, uow: UnitOfWork,
                        store: DocumentStore) -> Download:
    """One document's content, recorded in the access log (who, when, which case) before it is sent."""
    async with uow:
        _, case = await _case(uow, case_id)
        authorise(reader, case, "see_documents")
        row = await repository.document(uow.session, case_id, document_id)
        if row is None:
            raise CaseNotFound("no document with that document_id on this case")
        document = DocumentView.model_validate(dict(row))
        authorise(reader, case, to_see(document.kind))
        await _record_read(uow, reader, case_id, f"case document {document_id}")
    return Download(document, await store.open(document_id))
