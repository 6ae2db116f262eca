"""HTTP routes of custody's reads: where an item is and was, what a location or a warehouse holds, what needs
doing (overdue, perishables, discrepancies, open counts)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tangvat_custody import service
from tangvat_custody.api_deps import CustodyReader, Limit, WarehouseId
from tangvat_custody.api_deps import custody_of as _custody
from tangvat_custody.schemas import (
    AgeBucket,
    ContainerContents,
    CustodyAt,
    DiscrepancyOut,
    ItemOut,
    ItemPage,
    LabelPayload,
    LocationItemsAt,
    OpenCountOut,
    WarehouseSummary,
)
from tangvat_shared.history import HistoryEntry
from tangvat_shared.transitions import ItemState
from tangvat_shared.types import Code, Instant, Line, NonBlankLine

router = APIRouter()


@router.get("/items/{item_id}", response_model=ItemOut, summary="Where is item X now")
async def get_item(request: Request, principal: CustodyReader, item_id: uuid.UUID) -> Any:
    return await service.get_item(_custody(request), principal, item_id)


@router.get("/labels/lookup", response_model=ItemOut, summary="The item a scanned label names",
            responses={404: {"description": "no item carries this label"}})
async def item_by_label(request: Request, principal: CustodyReader,
                        label: Annotated[LabelPayload, Query()]) -> Any:
    return await service.item_by_label(_custody(request), principal, label)


@router.get("/items/{item_id}/history", response_model=list[HistoryEntry])
async def item_history(request: Request, principal: CustodyReader, item_id: uuid.UUID) -> list[dict[str, Any]]:
    return await service.item_history(_custody(request), principal, item_id)


@router.get("/items/{item_id}/custody", response_model=CustodyAt, summary="Who held item X at time T (from events)")
async def custody_at(request: Request, principal: CustodyReader, item_id: uuid.UUID,
                     at: Annotated[Instant, Query()]) -> dict[str, Any]:
    return await service.custody_at(_custody(request), principal, item_id, at)


@router.get("/locations/{location_code}/items", response_model=LocationItemsAt,
            summary="What is in location L now, or at time T (from events)")
async def items_at_location(request: Request, principal: CustodyReader, location_code: Code,
                            at: Annotated[Instant | None, Query()] = None) -> dict[str, Any]:
    ids = await service.items_at_location(_custody(request), principal, location_code, at)
    return {"location_code": location_code, "at": at, "item_ids": ids}


@router.get("/warehouses/{warehouse_id}/summary", response_model=WarehouseSummary)
async def warehouse_summary(request: Request, principal: CustodyReader, warehouse_id: WarehouseId) -> Any:
    return await service.warehouse_summary(_custody(request), principal, warehouse_id)


@router.get("/warehouses/{warehouse_id}/items", response_model=ItemPage)
async def warehouse_items(request: Request, principal: CustodyReader, warehouse_id: WarehouseId,
                          state: ItemState | None = None,
                          after: Annotated[Line, Query(description="the last label code seen")] = "",
                          q: Annotated[NonBlankLine | None, Query(
                              max_length=100, description="part of the printed label code or of the description")
                          ] = None,
                          limit: Limit = 100) -> Any:
    rows = await service.warehouse_items(_custody(request), principal, warehouse_id,
                                         state.value if state else None, after, limit, q)
    return {"items": rows, "next_after": rows[-1]["label_code"] if len(rows) == limit else None}


@router.get("/items", response_model=ItemPage,
            summary="Search by printed label code or description in every warehouse the caller's scope covers")
async def search_items(request: Request, principal: CustodyReader,
                       q: Annotated[NonBlankLine, Query(
                           max_length=100, description="part of the printed label code or of the description "
                                                       "(any case, diacritics optional: `bac ninh` finds `Bắc Ninh`)")],
                       after: Annotated[Line, Query(description="the last label code seen")] = "",
                       limit: Limit = 100) -> Any:
    rows = await service.search_items(_custody(request), principal, q, after, limit)
    return {"items": rows, "next_after": rows[-1]["label_code"] if len(rows) == limit else None}


@router.get("/containers/{container_code}", response_model=ContainerContents,
            summary="A container, where it stands and what it holds now",
            responses={404: {"description": "no such container in the caller's warehouses (`unknown_container`)"}})
async def container_contents(request: Request, principal: CustodyReader, container_code: Code) -> Any:
    return await service.container_contents(_custody(request), principal, container_code)


@router.get("/warehouses/{warehouse_id}/counts", response_model=list[OpenCountOut], summary="Counts still open")
async def open_counts(request: Request, principal: CustodyReader, warehouse_id: WarehouseId) -> Any:
    return await service.open_counts(_custody(request), principal, warehouse_id)


@router.get("/warehouses/{warehouse_id}/storage-age", response_model=list[AgeBucket])
async def storage_age(request: Request, principal: CustodyReader, warehouse_id: WarehouseId) -> Any:
    return await service.storage_age(_custody(request), principal, warehouse_id)


@router.get("/warehouses/{warehouse_id}/perishables-past-limit", response_model=list[ItemOut])
async def perishables(request: Request, principal: CustodyReader, warehouse_id: WarehouseId,
                      limit: Limit = 100) -> Any:
    return await service.perishables_past_limit(_custody(request), principal, warehouse_id, limit)


@router.get("/warehouses/{warehouse_id}/overdue", response_model=list[ItemOut], summary="Checked out past due")
async def overdue(request: Request, principal: CustodyReader, warehouse_id: WarehouseId, limit: Limit = 100) -> Any:
    return await service.overdue(_custody(request), principal, warehouse_id, limit)


@router.get("/warehouses/{warehouse_id}/discrepancies", response_model=list[DiscrepancyOut])
async def discrepancies(request: Request, principal: CustodyReader, warehouse_id: WarehouseId,
                        limit: Limit = 100) -> Any:
    return await service.discrepancies(_custody(request), principal, warehouse_id, limit)


