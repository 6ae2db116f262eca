"""The file store in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...): objects `<prefix><ab>/<cd>/<sha256>`, the
media type as the object's Content-Type. boto3 is blocking: every call runs in a worker thread, so the event loop
goes on serving while a file travels. An object is written whole or not at all (S3's PUT is atomic)."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from tangvat_shared.content import sha256_hex
from tangvat_shared.files import OCTET_STREAM, FileMissing, FileStat, require_sha256, verified

NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})


class S3FileStore:
    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str = "us-east-1",
                 access_key: str | None = None, secret_key: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.location = f"s3://{bucket}/{prefix}" + (f" at {endpoint_url}" if endpoint_url else "")
        # botocore clients are thread-safe once built: one per store, shared by the worker threads.
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30,
                          s3={"addressing_style": "path"}))

    def key_of(self, sha256: str) -> str:
        require_sha256(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _head(self, sha256: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256)))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in NOT_FOUND:
                return None
            raise

    def _put(self, content: bytes, media_type: str) -> str:
        sha256 = sha256_hex(content)
        # The checksum makes the server refuse bytes torn on the way (it computes SHA-256 of what it received).
        self.client.put_object(Bucket=self.bucket, Key=self.key_of(sha256), Body=content, ContentType=media_type,
                               ChecksumAlgorithm="SHA256")
        return sha256

    def _get(self, sha256: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in NOT_FOUND:
                raise FileMissing(f"no file {sha256} in the store", details={"sha256": sha256}) from None
            raise
        return verified(sha256, answer["Body"].read())

    def _stat(self, sha256: str) -> FileStat | None:
        head = self._head(sha256)
        if head is None:
            return None
        return FileStat(sha256, int(head["ContentLength"]), str(head.get("ContentType") or OCTET_STREAM))

    async def put(self, content: bytes, media_type: str) -> str:
        return await asyncio.to_thread(self._put, content, media_type)

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._get, sha256)

    async def stat(self, sha256: str) -> FileStat | None:
        return await asyncio.to_thread(self._stat, sha256)

    async def exists(self, sha256: str) -> bool:
        return await self.stat(sha256) is not None
