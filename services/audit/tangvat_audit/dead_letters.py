"""The services' dead-letter topics (`<service>.dlq`), as the auditor reads them.

A consumer dead-letters a record it could not apply, with the reason in the record's headers. A
dead-lettered record that is an event of the log (a valid envelope of a registered type whose id and
hash are those of an event of its source stream) is one the consuming service's read model lacks:
the auditor names each one as a `dead_lettered` finding. Anything else on a DLQ is poison (not JSON,
an unknown type, an envelope that is no event of the log): the consumer was right to refuse it, and
the replay of the stream already names it where it lies on the topic (malformed, foreign_event);
the DLQ's poison is only counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from tangvat_audit.findings import Finding
from tangvat_audit.log_reader import STREAMS, read_records
from tangvat_shared.envelope import Envelope
from tangvat_shared.events.registry import UnknownEventType, spec_for
from tangvat_shared.kafka import dead_letter_topic


class DeadLetter(NamedTuple):
    """One record of a consumer's dead-letter topic."""

    consumer: str
    partition: int
    offset: int
    value: bytes
    headers: dict[str, str]

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(f"tangvat-{name}", default)


@dataclass(frozen=True)
class _Candidate:
    letter: DeadLetter
    envelope: Envelope


def _letters(consumer: str) -> Any:
    def take(partition: int, fetched: list[ConsumerRecord[Any, Any]], end: int) -> list[DeadLetter]:
        return [DeadLetter(consumer, partition, r.offset, r.value or b"",
                           {k: v.decode("utf-8", "replace") for k, v in r.headers or ()})
                for r in fetched if r.offset < end]
    return take


async def read_dead_letters(bootstrap: str, consumers: Sequence[str] = STREAMS) -> dict[str, list[DeadLetter]]:
    """Every record of each consumer's dead-letter topic (a topic that does not exist holds none)."""
    return {c: await read_dead_letter_topic(bootstrap, c, dead_letter_topic(c)) for c in consumers}


async def read_dead_letter_topic(bootstrap: str, consumer: str, topic: str) -> list[DeadLetter]:
    """Every record of `topic`, the dead-letter topic of `consumer`."""
    return await read_records(bootstrap, topic, _letters(consumer))


def _as_event(letter: DeadLetter) -> Envelope | None:
    """The dead-lettered record's envelope if it is a valid envelope of a registered type."""
    try:
        wire = orjson.loads(letter.value)
        if not isinstance(wire, dict):
            return None
        envelope = Envelope.model_validate(wire)
        spec_for(envelope.type)
    except (orjson.JSONDecodeError, ValidationError, UnknownEventType):
        return None
    return envelope


class DeadLetterCheck:
    """Sorts the dead letters, then names those that are events of the log once the streams are verified."""

    def __init__(self, dead_letters: Mapping[str, Sequence[DeadLetter]]) -> None:
        self.summary: dict[str, dict[str, int]] = {}
        self._candidates: dict[str, list[_Candidate]] = {}  # by source stream
        seen: set[tuple[str, str]] = set()  # (consumer, event id): a record dead-lettered twice is one
        for consumer, letters in dead_letters.items():
            counts = self.summary.setdefault(consumer, {"records": 0, "events_of_the_log": 0, "poison": 0})
            for letter in letters:
                counts["records"] += 1
                envelope = _as_event(letter)
                if envelope is None:
                    counts["poison"] += 1
                    continue
                key = (consumer, str(envelope.id))
                if key not in seen:
                    seen.add(key)
                    self._candidates.setdefault(envelope.source, []).append(_Candidate(letter, envelope))

    def wanted(self, stream: str) -> set[str]:
        """The event ids dead-lettered from `stream`."""
        return {str(c.envelope.id) for c in self._candidates.get(stream, ())}

    def findings(self, stream: str, logged: Mapping[str, dict[str, Any]]) -> list[Finding]:
        """A finding for each dead letter of an event of `stream`'s log (`logged`: those events by id);
        the others are counted as poison."""
        found = []
        for candidate in self._candidates.get(stream, ()):
            envelope, letter = candidate.envelope, candidate.letter
            event = logged.get(str(envelope.id))
            counts = self.summary[letter.consumer]
            if event is None or event.get("hash") != envelope.hash:
                counts["poison"] += 1  # no event of the log: forged or unchained, named where it lies
                continue
            counts["events_of_the_log"] += 1
            kind = letter.header("reason-kind", "unrecorded")
            where = (f"{letter.header('source-topic', '?')} partition {letter.header('source-partition', '?')} "
                     f"offset {letter.header('source-offset', '?')}")
            found.append(Finding(
                "dead_lettered", stream,
                f"{letter.consumer}'s consumer dead-lettered {envelope.type} event {envelope.id} ({kind}, "
                f"from {where}): {letter.header('reason', 'no reason given')[:300]}; its read model lacks "
                "this event's effect", envelope.sequence, str(envelope.id), envelope.subject))
        return found
