"""The content-addressed file store, local directory and S3-compatible bucket alike (a real moto S3 server): what is
put is got back by its SHA-256, an altered file is refused on read, a deleted one is missing, writes are atomic."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tangvat_shared.files import Check, FileAltered, FileMissing, FileStore, LocalFileStore, check, file_store
from tangvat_shared.files_s3 import S3FileStore
from tangvat_shared.settings import ServiceSettings
from tests.support.s3_server import S3Server, s3_server

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


def _s3_store(s3: S3Server, bucket: str) -> S3FileStore:
    s3.create_bucket(bucket)
    return S3FileStore(bucket=bucket, prefix="custody/", endpoint_url=s3.endpoint_url, access_key=s3.access_key,
                       secret_key=s3.secret_key)


def _alter(store: FileStore, sha256: str, content: bytes) -> None:
    if isinstance(store, LocalFileStore):
        store.path_of(sha256).write_bytes(content)
    else:
        assert isinstance(store, S3FileStore)
        store.client.put_object(Bucket=store.bucket, Key=store.key_of(sha256), Body=content)


def _delete(store: FileStore, sha256: str) -> None:
    if isinstance(store, LocalFileStore):
        store.path_of(sha256).unlink()
    else:
        assert isinstance(store, S3FileStore)
        store.client.delete_object(Bucket=store.bucket, Key=store.key_of(sha256))


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    if request.param == "local":
        return LocalFileStore(tmp_path / "files")
    return _s3_store(request.getfixturevalue("s3"), f"tangvat-{tmp_path.name.lower().replace('_', '-')[-40:]}")


async def test_a_file_put_is_got_back_by_its_sha256_with_its_size_and_media_type(store: FileStore) -> None:
    sha256 = await store.put(PNG, "image/png")
    assert sha256 == hashlib.sha256(PNG).hexdigest()
    assert await store.get(sha256) == PNG
    assert await store.exists(sha256)
    stat = await store.stat(sha256)
    assert stat is not None
    assert (stat.size_bytes, stat.media_type) == (len(PNG), "image/png")
    assert await check(store, sha256) is Check.OK
    assert await store.put(PNG, "image/png") == sha256  # the same bytes are the same file


async def test_a_file_never_stored_is_missing(store: FileStore) -> None:
    absent = "0" * 64
    assert not await store.exists(absent)
    assert await store.stat(absent) is None
    with pytest.raises(FileMissing):
        await store.get(absent)
    assert await check(store, absent) is Check.MISSING


async def test_an_altered_file_is_refused_on_read_and_a_deleted_one_is_missing(store: FileStore) -> None:
    kept = await store.put(PNG, "image/png")
    other = await store.put(b"%PDF-1.4 minutes", "application/pdf")
    _alter(store, kept, PNG[:-1] + b"\x00")
    with pytest.raises(FileAltered) as altered:
        await store.get(kept)
    assert altered.value.code == "file_altered"
    assert await check(store, kept) is Check.ALTERED
    _delete(store, other)
    assert await check(store, other) is Check.MISSING


async def test_a_bad_hash_is_refused_before_the_store_is_touched(store: FileStore) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(Exception, match="SHA-256") as refused:
            await store.get(bad)
        assert getattr(refused.value, "code", None) == "bad_sha256"


async def test_many_files_put_at_once_are_all_kept_whole(store: FileStore) -> None:
    contents = [PNG + bytes([n]) * 1000 for n in range(20)]
    hashes = await asyncio.gather(*(store.put(c, "image/png") for c in contents))
    assert [await store.get(h) for h in hashes] == contents


async def test_the_local_store_fans_out_by_hash_prefix_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    sha256 = await store.put(PNG, "image/png")
    assert store.path_of(sha256) == tmp_path / sha256[:2] / sha256[2:4] / sha256
    assert sorted(p.name for p in store.path_of(sha256).parent.iterdir()) == [sha256, sha256 + ".type"]
    # A decayed copy under the hash is rewritten by the next put of the true bytes.
    store.path_of(sha256).write_bytes(b"rot")
    await store.put(PNG, "image/png")
    assert await store.get(sha256) == PNG


def test_the_settings_choose_the_directory_or_the_bucket(tmp_path: Path, s3: S3Server) -> None:
    class Settings(ServiceSettings):
        database_url: str = "postgresql://x"
        http_port: int = 1

    default = file_store(Settings(), "custody")
    assert isinstance(default, LocalFileStore)
    assert default.root == Path(".run/files/custody")
    assert isinstance(file_store(Settings(files_dir=tmp_path), "custody"), LocalFileStore)
    bucket = s3.create_bucket("tangvat-settings")
    chosen = file_store(Settings(files_s3_bucket=bucket, files_s3_endpoint=s3.endpoint_url,
                                 files_s3_access_key=s3.access_key, files_s3_secret_key=s3.secret_key), "custody")
    assert isinstance(chosen, S3FileStore)
    assert chosen.location.startswith("s3://tangvat-settings/")
    assert boto3  # the client library the bucket store speaks through
