"""Registry of event types: the data schema of each type's current version and its upcasters.

An upcaster turns the data of version N into version N+1, so a consumer (or the auditor
replaying years of log) only ever handles current shapes.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from tangvat_shared.events import audit, custody, disposal, intake, paperwork

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    model: builtins.type[BaseModel]
    upcasters: dict[int, Upcaster] = field(default_factory=dict)

    def upcast(self, version: int, data: dict[str, Any]) -> dict[str, Any]:
        if version > self.version or version < 1:
            raise UnknownEventVersion(f"{self.type} has no schema version {version}")
        while version < self.version:
            data = self.upcasters[version](data)
            version += 1
        return data


class UnknownEventType(LookupError):
    pass


class UnknownEventVersion(LookupError):
    pass


_SPECS: dict[str, EventSpec] = {}


def register(spec: EventSpec) -> None:
    missing = [v for v in range(1, spec.version) if v not in spec.upcasters]
    if missing:
        raise ValueError(f"{spec.type}: no upcaster from versions {missing}")
    _SPECS[spec.type] = spec


def spec_for(event_type: str) -> EventSpec:
    try:
        return _SPECS[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def all_specs() -> list[EventSpec]:
    return list(_SPECS.values())


def spec_of_model(model: type[BaseModel]) -> EventSpec:
    for spec in _SPECS.values():
        if spec.model is model:
            return spec
    raise UnknownEventType(model.__name__)


_INTAKE_EVENTS: dict[str, builtins.type[BaseModel]] = {
    "intake.seizure_registered": intake.SeizureRegistered,
    "intake.item_registered": intake.ItemRegistered,
    "intake.item_corrected": intake.ItemCorrected,
    "intake.seizure_corrected": intake.SeizureCorrected,
    "intake.legal_status_recorded": intake.LegalStatusRecorded,
    "intake.label_reprinted": intake.LabelReprinted,
    "intake.attachment_added": intake.AttachmentAdded,
}
# The disposal events custody consumes; the disposal service owns and publishes them.
_DISPOSAL_EVENTS: dict[str, builtins.type[BaseModel]] = {
    "disposal.reservation_requested": disposal.ReservationRequested,
    "disposal.batch_cancelled": disposal.BatchCancelled,
    "disposal.item_dropped": disposal.ItemDropped,
    "disposal.items_executed": disposal.ItemsExecuted,
}
# The disposal service's own record (proposals, board, execution); nobody else needs to consume it.
_DISPOSAL_RECORD_EVENTS: dict[str, builtins.type[BaseModel]] = {
    "disposal.board_configured": disposal.BoardConfigured,
    "disposal.batch_proposed": disposal.BatchProposed,
    "disposal.items_proposed": disposal.ItemsProposed,
    "disposal.vote_cast": disposal.VoteCast,
    "disposal.batch_approved": disposal.BatchDecided,
    "disposal.batch_rejected": disposal.BatchDecided,
    "disposal.batch_ready": disposal.BatchReady,
    "disposal.batch_executed": disposal.BatchExecuted,
    "disposal.execution_witnessed": disposal.ExecutionWitnessed,
    "disposal.witness_withdrawn": disposal.WitnessWithdrawn,
}

for _type, _model in {**_INTAKE_EVENTS, **custody.ITEM_EVENTS, **custody.OTHER_EVENTS, **_DISPOSAL_EVENTS,
                     **_DISPOSAL_RECORD_EVENTS, **audit.AUDIT_EVENTS, **paperwork.PAPERWORK_EVENTS}.items():
    register(EventSpec(type=_type, version=1, model=_model))
