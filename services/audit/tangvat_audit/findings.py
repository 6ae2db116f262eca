"""What the auditor can find wrong, named precisely enough to act on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    kind: str  # altered | gap | conflicting_duplicate | reordered | broken_link | checkpoint_* |
    #            illegal_transition | no_cause | wrong_batch | separation_of_duties | orphan | malformed |
    #            unknown_type | ...
    stream: str
    detail: str
    sequence: int | None = None
    event_id: str | None = None
    subject: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
