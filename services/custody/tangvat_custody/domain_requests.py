"""What custody's flow commands ask, as plain values, and the two-person rule that keeps one waiting: an
approval stores the request as plain JSON and reads it back as it was (never through the HTTP models)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tangvat_custody.domain import require_second_person
from tangvat_shared.auth import canonical_user_id
from tangvat_shared.errors import Conflict
from tangvat_shared.events.custody import HolderKind

# --- the two-person rule -------------------------------------------------------------------------


class ApprovalKind(enum.StrEnum):
    CHECK_OUT = "check_out"
    DISPOSAL_HANDOVER = "disposal_handover"
    TRANSFER_DISPATCH = "transfer_dispatch"


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


def recorded_value(item: Mapping[str, Any]) -> int:
    """The value the two-person rule weighs: the highest custody ever recorded for the item, so a correction
    down (150M -> 1,000 VND) does not let one person move it alone."""
    return max(int(item["value_vnd"]), int(item.get("highest_value_vnd") or 0))


def needs_second_person(value_vnd: int, moved_alone_vnd: int, threshold_vnd: int) -> bool:
    """`two_person_rule` over what one person moves however it is split: this move's value plus what the
    same person moved alone in the same warehouse within the window must stay within the threshold."""
    return value_vnd + moved_alone_vnd > threshold_vnd


def decide_approval(approval: Mapping[str, Any], user: str, *, confirm: bool) -> ApprovalStatus:
    """The status a pending approval takes: confirmed by someone other than its requester, or rejected.
    An approval decided already answers `approval_<status>`."""
    status = ApprovalStatus(approval["status"])
    if status is not ApprovalStatus.PENDING:
        raise Conflict(f"approval is already {status.value}", code=f"approval_{status.value}")
    if not confirm:
        return ApprovalStatus.REJECTED
    require_second_person(approval["requested_by"], user)
    return ApprovalStatus.CONFIRMED


# --- requests: what a command asks, as plain values, and as an approval keeps it --------------------


def _instant(value: datetime) -> str:
    # As the HTTP layer wrote approvals' requests before: RFC 3339 with "Z" for UTC.
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass(frozen=True)
class CheckOut:
    holder: str
    holder_kind: HolderKind
    purpose: str
    due_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"holder": self.holder, "holder_kind": self.holder_kind.value, "purpose": self.purpose,
                "due_at": _instant(self.due_at)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckOut:
        return cls(data["holder"], HolderKind(data["holder_kind"]), data["purpose"],
                   datetime.fromisoformat(data["due_at"]))


@dataclass(frozen=True)
class Handover:
    """A batch's reserved items in one warehouse released to the disposal team: the scanned labels, or (None)
    every item of the batch reserved there."""

    batch_id: uuid.UUID
    warehouse_id: str
    recipient: str
    labels: list[str] | None = None
    # The person of Tangvat who takes the goods, by canonical id (None: an outside recipient, named in words).
    recipient_user_id: str | None = None

    def __post_init__(self) -> None:
        if self.recipient_user_id is not None:
            object.__setattr__(self, "recipient_user_id", canonical_user_id(self.recipient_user_id) or None)

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": str(self.batch_id), "warehouse_id": self.warehouse_id, "recipient": self.recipient,
                "labels": self.labels, "recipient_user_id": self.recipient_user_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Handover:
        # Approvals stored before `recipient_user_id` existed have none.
        return cls(uuid.UUID(data["batch_id"]), data["warehouse_id"], data["recipient"], data.get("labels"),
                   data.get("recipient_user_id"))


@dataclass(frozen=True)
class Dispatch:
    from_warehouse_id: str
    to_warehouse_id: str
    item_ids: list[uuid.UUID]
    carrier: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"from_warehouse_id": self.from_warehouse_id, "to_warehouse_id": self.to_warehouse_id,
                "item_ids": [str(i) for i in self.item_ids], "carrier": self.carrier}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Dispatch:
        return cls(data["from_warehouse_id"], data["to_warehouse_id"], [uuid.UUID(i) for i in data["item_ids"]],
                   data.get("carrier"))


@dataclass(frozen=True)
class Confirmation:
    """Who asked for a command that waited for a second person, and who confirmed it (None: no one had to)."""

    requested_by: str | None = None
    confirmed_by: str | None = None


UNCONFIRMED = Confirmation()
