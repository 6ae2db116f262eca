"""The content-addressed file store: photos, scanned documents and signed PDFs kept by their SHA-256, the name the
events carry. A local directory by default (fan-out by hash prefix, atomic writes), an S3-compatible bucket as an
option (`files_s3.py`). Reads verify the hash: an altered file is never served as the one an event vouches for."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from tangvat_shared.content import is_sha256, sha256_hex
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.settings import ServiceSettings

OCTET_STREAM = "application/octet-stream"


class FileMissing(NotFound):
    code = "file_missing"


class FileAltered(Conflict):
    """The bytes kept under a hash are not the bytes that hash names: the store was tampered with or decayed
    (a 409 to the client, which is never served the altered bytes; a finding to the auditor)."""

    code = "file_altered"


@dataclass(frozen=True)
class FileStat:
    sha256: str
    size_bytes: int
    media_type: str


class Check(enum.Enum):
    """What the store holds under a hash, as the auditor names it."""

    OK = "ok"
    MISSING = "missing"
    ALTERED = "altered"


def require_sha256(sha256: str) -> str:
    if not is_sha256(sha256):
        raise RuleViolation("a file is named by its SHA-256: 64 lower-case hex digits", code="bad_sha256",
                            details=[{"loc": ["path", "sha256"]}])
    return sha256


class FileStore(Protocol):
    """Where a service keeps its files; `location` names it in findings and logs (a directory, a bucket)."""

    location: str

    async def put(self, content: bytes, media_type: str) -> str:
        """Keep `content` (idempotent: the same bytes are the same file); returns its SHA-256 (hex)."""
        ...

    async def get(self, sha256: str) -> bytes:
        """The bytes kept under `sha256`, checked against it: FileMissing, FileAltered."""
        ...

    async def stat(self, sha256: str) -> FileStat | None:
        """Size and media type of the file kept under `sha256` (unverified), None when there is none."""
        ...

    async def exists(self, sha256: str) -> bool: ...


async def check(store: FileStore, sha256: str) -> Check:
    """Whether the store holds the file an event names, unaltered."""
    try:
        await store.get(sha256)
    except FileMissing:
        return Check.MISSING
    except FileAltered:
        return Check.ALTERED
    return Check.OK


def verified(sha256: str, content: bytes) -> bytes:
    if sha256_hex(content) != sha256:
        raise FileAltered(f"the file kept as {sha256} does not match its hash", details={"sha256": sha256})
    return content


class LocalFileStore:
    """Files under `root/ab/cd/<sha256>` (two fan-out levels keep directories small), each with its media type in
    `<sha256>.type` beside it. A write goes to a temporary file in the same directory, is fsynced and renamed into
    place: a reader sees the whole file or none, and a crash leaves no torn file under a hash."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def path_of(self, sha256: str) -> Path:
        require_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def _put(self, content: bytes, media_type: str) -> str:
        sha256 = sha256_hex(content)
        path = self.path_of(sha256)
        # The same bytes kept already (and intact) are this file: nothing to write. A decayed copy is rewritten.
        if path.is_file() and path.stat().st_size == len(content) and sha256_hex(path.read_bytes()) == sha256:
            return sha256
        self._write(path.with_name(sha256 + ".type"), media_type.encode())
        self._write(path, content)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a crash
        finally:
            os.close(dir_fd)
        return sha256

    def _get(self, sha256: str) -> bytes:
        try:
            return verified(sha256, self.path_of(sha256).read_bytes())
        except FileNotFoundError:
            raise FileMissing(f"no file {sha256} in the store", details={"sha256": sha256}) from None

    def _stat(self, sha256: str) -> FileStat | None:
        path = self.path_of(sha256)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        try:
            media_type = path.with_name(sha256 + ".type").read_text().strip() or OCTET_STREAM
        except FileNotFoundError:
            media_type = OCTET_STREAM
        return FileStat(sha256, size, media_type)

    async def put(self, content: bytes, media_type: str) -> str:
        return await asyncio.to_thread(self._put, content, media_type)

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._get, sha256)

    async def stat(self, sha256: str) -> FileStat | None:
        return await asyncio.to_thread(self._stat, sha256)

    async def exists(self, sha256: str) -> bool:
        return await self.stat(sha256) is not None


FILE_SERVICES = ("intake", "custody", "disposal")  # the services that keep files; the auditor reads all three


class StoreConfig(BaseModel):
    """Where one service's files are: a directory, or an S3-compatible bucket when `s3_bucket` is set (the
    auditor's `file_stores` setting names each service's store by these fields, as JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dir: Path | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None


def store_from(config: StoreConfig, service: str) -> FileStore:
    if config.s3_bucket:
        from tangvat_shared.files_s3 import S3FileStore

        return S3FileStore(bucket=config.s3_bucket, prefix=config.s3_prefix, endpoint_url=config.s3_endpoint,
                           region=config.s3_region, access_key=config.s3_access_key, secret_key=config.s3_secret_key)
    return LocalFileStore(config.dir or Path(".run/files") / service)


def file_store(settings: ServiceSettings, service: str) -> FileStore:
    """The store a service's settings name: its S3-compatible bucket when one is set, else its directory
    (`files_dir`, by default `.run/files/<service>`)."""
    return store_from(StoreConfig(dir=settings.files_dir, s3_bucket=settings.files_s3_bucket,
                                  s3_prefix=settings.files_s3_prefix, s3_endpoint=settings.files_s3_endpoint,
                                  s3_region=settings.files_s3_region, s3_access_key=settings.files_s3_access_key,
                                  s3_secret_key=settings.files_s3_secret_key), service)
