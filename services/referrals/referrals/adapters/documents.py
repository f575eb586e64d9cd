"""Where a case's documents are kept: the port (``DocumentStore``) and its two adapters — a folder
under the service's data folder (the embedded default) and S3-compatible object storage (production:
AWS S3, MinIO …).

A document is stored under its id, a UUID this service made; the sender's file name is never part of a
path or a key. An upload streams first into a file of its own under ``incoming/`` (0600, in a 0700
folder), is checked there, and only then kept; a refused one is deleted.
"""
from __future__ import annotations

import os
import time
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import anyio
from anyio import to_thread

CHUNK = 64 * 1024
# An upload's incoming file left behind by a process that stopped mid-upload is deleted when the store
# is next opened, once it is this old (a younger one may be another replica's upload in progress).
STALE_SECONDS = 24 * 3600


class Incoming:
    """One upload being received: a new file only this process's user may read."""

    def __init__(self, folder: Path):
        self.path = folder / f"{uuid.uuid4()}.part"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    async def write(self, chunk: bytes) -> None:
        await to_thread.run_sync(os.write, self._fd, chunk)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def stored_name(document_id: str) -> str:
    """The id as this service made it (a UUID), or nothing: no other string becomes a path or a key."""
    if str(uuid.UUID(document_id)) != document_id:
        raise ValueError("not a document id")
    return document_id


def zip_parts(path: Path) -> frozenset[str]:
    """The names of the parts of a ZIP file (an Office Open XML document is one); none if it is not one."""
    try:
        with zipfile.ZipFile(path) as archive:
            return frozenset(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return frozenset()


class DocumentStore(Protocol):
    def incoming(self) -> Incoming: ...

    async def keep(self, upload: Incoming, document_id: str) -> None: ...

    async def open(self, document_id: str) -> AsyncIterator[bytes]:
        """The content, opened now (a missing one fails here, before an answer starts), read as iterated."""
        ...

    async def remove(self, document_id: str) -> None: ...


def _private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _incoming_folder(path: Path) -> Path:
    folder = _private_folder(path)
    for left in folder.glob("*.part"):
        if time.time() - left.stat().st_mtime > STALE_SECONDS:
            left.unlink(missing_ok=True)
    return folder


class FolderStore:
    """Documents as files (0600) in a folder (0700) of the data folder, each named by its id."""

    def __init__(self, root: Path):
        self.root = _private_folder(Path(root))
        self._incoming = _incoming_folder(self.root / "incoming")

    def incoming(self) -> Incoming:
        return Incoming(self._incoming)

    def _path(self, document_id: str) -> Path:
        return self.root / stored_name(document_id)

    async def keep(self, upload: Incoming, document_id: str) -> None:
        upload.close()
        await to_thread.run_sync(os.replace, upload.path, self._path(document_id))

    async def open(self, document_id: str) -> AsyncIterator[bytes]:
        file = await anyio.open_file(self._path(document_id), "rb")

        async def chunks() -> AsyncIterator[bytes]:
            async with file:
                while chunk := await file.read(CHUNK):
                    yield chunk
        return chunks()

    async def remove(self, document_id: str) -> None:
        self._path(document_id).unlink(missing_ok=True)


class ObjectStore:
    """Documents as objects of an S3-compatible bucket, each keyed by ``prefix`` and its id (boto3, whose
    calls block, so each runs in a worker thread). Uploads are received in ``incoming`` first."""

    def __init__(self, client: Any, bucket: str, prefix: str, incoming: Path):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self._incoming = _incoming_folder(incoming)

    def incoming(self) -> Incoming:
        return Incoming(self._incoming)

    def _key(self, document_id: str) -> str:
        return self.prefix + stored_name(document_id)

    async def keep(self, upload: Incoming, document_id: str) -> None:
        upload.close()
        try:
            await to_thread.run_sync(self.client.upload_file, str(upload.path), self.bucket, self._key(document_id))
        finally:
            upload.discard()

    async def open(self, document_id: str) -> AsyncIterator[bytes]:
        answer = await to_thread.run_sync(lambda: self.client.get_object(Bucket=self.bucket,
                                                                         Key=self._key(document_id)))
        body = answer["Body"]

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await to_thread.run_sync(body.read, CHUNK):
                    yield chunk
            finally:
                body.close()
        return chunks()

    async def remove(self, document_id: str) -> None:
        await to_thread.run_sync(lambda: self.client.delete_object(Bucket=self.bucket, Key=self._key(document_id)))


def object_store(*, bucket: str, endpoint_url: str | None, region: str | None, access_key_id: str | None,
                 secret_access_key: str | None, prefix: str, incoming: Path) -> ObjectStore:
    """Keys unset: boto3's own chain (the environment, an instance or pod role)."""
    import boto3  # only where object storage is configured
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key_id,
                          aws_secret_access_key=secret_access_key,
                          config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}))
    return ObjectStore(client, bucket, prefix, incoming)
