"""The files the events name: every photo, scan, evidence file or signed PDF an event names by its SHA-256 must be
in the file store of the service that wrote the event, unaltered. A missing or altered one is a finding named in
both languages (the report's HTML and PDF print the detail as it is)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from tangvat_audit.findings import Finding
from tangvat_audit.log_reader import Record
from tangvat_shared.content import is_sha256
from tangvat_shared.files import Check, FileStore, check

# The auditor's own stream names report hashes, not files: no store keeps them.
WITHOUT_FILES = frozenset({"audit"})
CONCURRENT_CHECKS = 8


@dataclass(frozen=True)
class FileRef:
    """One file an event names: where (stream, sequence, event, subject), what (its hash and the name given)."""

    stream: str
    sha256: str
    name: str
    event_type: str
    event_id: str | None
    sequence: int | None
    subject: str | None


def _named(value: Any) -> Iterator[tuple[str, str]]:
    """(sha256, name) of every file reference in an event's data: a `sha256` (or `…_sha256`) field holding a hash,
    named by a `name` beside it when there is one."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str) and (key == "sha256" or key.endswith("_sha256")) and is_sha256(inner):
                name = value.get("name")
                yield inner, name if isinstance(name, str) else key
            elif key == "photos" and isinstance(inner, list) and all(isinstance(p, str) for p in inner):
                yield from ((p, "photo") for p in inner if is_sha256(p))  # an item's photos at registration
            elif isinstance(inner, dict | list):
                yield from _named(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _named(inner)


def file_refs(logs: Mapping[str, Sequence[Record]]) -> list[FileRef]:
    """Each file the logs' events name, once per stream and hash (the first event naming it). Only the records
    that mention a hash field are parsed again (a substring test in C: the replay's cost stays where it was)."""
    seen: set[tuple[str, str]] = set()
    refs: list[FileRef] = []
    for stream, records in logs.items():
        if stream in WITHOUT_FILES:
            continue
        for record in records:
            if not record.value or (b'sha256"' not in record.value and b'"photos":["' not in record.value):
                continue
            try:
                wire = orjson.loads(record.value)
            except orjson.JSONDecodeError:
                continue  # unreadable: the chain's verification names it
            if not isinstance(wire, dict) or not isinstance(wire.get("data"), dict):
                continue
            for sha256, name in _named(wire["data"]):
                if (stream, sha256) in seen:
                    continue
                seen.add((stream, sha256))
                refs.append(FileRef(stream, sha256, name, str(wire.get("type")), wire.get("id"),
                                    wire.get("sequence"), wire.get("subject")))
    return refs


def _finding(ref: FileRef, outcome: Check, location: str) -> Finding:
    short = ref.sha256[:12]
    if outcome is Check.MISSING:
        detail = (f"Tệp đính kèm bị thiếu: «{ref.name}» (SHA-256 {ref.sha256}) mà sự kiện {ref.event_type} nêu không "
                  f"có trong kho tệp {location} — Missing attachment: “{ref.name}” (SHA-256 {short}…), named by "
                  f"{ref.event_type}, is not in the file store")
        kind = "attachment_missing"
    else:
        detail = (f"Tệp đính kèm bị thay đổi: «{ref.name}» trong kho tệp {location} không khớp SHA-256 {ref.sha256} "
                  f"mà sự kiện {ref.event_type} ghi — Altered attachment: the stored “{ref.name}” does not match the "
                  f"SHA-256 {short}… that {ref.event_type} recorded")
        kind = "attachment_altered"
    return Finding(kind, ref.stream, detail, ref.sequence, ref.event_id, ref.subject)


async def attachment_findings(refs: Sequence[FileRef], stores: Mapping[str, FileStore]) -> list[Finding]:
    """Check each referenced file in its stream's store (a few at a time); a stream without a store configured
    is named once, its files unchecked."""
    limit = asyncio.Semaphore(CONCURRENT_CHECKS)

    async def one(ref: FileRef, store: FileStore) -> Finding | None:
        async with limit:
            outcome = await check(store, ref.sha256)
        return None if outcome is Check.OK else _finding(ref, outcome, store.location)

    findings: list[Finding] = []
    unchecked = sorted({r.stream for r in refs if r.stream not in stores})
    for stream in unchecked:
        count = sum(1 for r in refs if r.stream == stream)
        findings.append(Finding("attachments_unchecked", stream,
                                f"Không kiểm được {count} tệp đính kèm: chưa cấu hình kho tệp của {stream} — "
                                f"{count} attachment(s) not checked: no file store configured for {stream}"))
    results = await asyncio.gather(*(one(r, stores[r.stream]) for r in refs if r.stream in stores))
    findings += [f for f in results if f is not None]
    return findings
