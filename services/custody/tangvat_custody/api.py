"""HTTP routes of the custody service: thin, authenticated, each calling one service function."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from tangvat_custody import api_photos as photo_routes
from tangvat_custody import service
from tangvat_custody.api_deps import (
    Admin,
    CustodyReader,
    HoldAuthority,
    IdempotencyKey,
    LocationReader,
    Registrar,
    WarehouseId,
    WarehouseStaff,
)
from tangvat_custody.api_deps import custody_of as _custody
from tangvat_custody.api_labels import router as labels_router
from tangvat_custody.api_paperwork import router as paperwork_router
from tangvat_custody.api_reads import router as reads_router
from tangvat_custody.api_returns import router as returns_router
from tangvat_custody.schemas import (
    ApprovalOut,
    CheckInIn,
    CheckOutIn,
    CommandOut,
    ContainerIn,
    CountIn,
    CountOut,
    CountScanIn,
    HandoverIn,
    HoldIn,
    LabelsIn,
    LocationIn,
    LocationOut,
    MoveIn,
    ReturnIn,
    ScannedLocation,
    TransferIn,
    TransferOut,
    TransferReceiptIn,
    WarehouseIn,
)
from tangvat_custody.service import Custody
from tangvat_custody.service.location_labels import required_location, scanned_location
from tangvat_shared.auth import Principal, Verifier
from tangvat_shared.command import CommandContext, Outcome
from tangvat_shared.files import FileStore
from tangvat_shared.http import answer, command_context, create_database_app
from tangvat_shared.idempotency import StoredResponse
from tangvat_shared.openapi import Links, add_links, link
from tangvat_shared.types import Code

router = APIRouter()


Command = Callable[[Custody, CommandContext], Awaitable[Outcome | StoredResponse]]


def _at(custody: Custody, body: ScannedLocation) -> str:
    """A scan's location: a signed location label's code (anything else is refused), or the code picked."""
    return required_location(custody, body.location_code, body.location_label)


async def _run(request: Request, principal: Principal, key: str | None, command: Command) -> JSONResponse:
    """Run a command; its Outcome answers through the shared `answer` (201/200/202 chosen there)."""
    result = await command(_custody(request), await command_context(request, principal, key))
    if isinstance(result, Outcome):
        return answer(result)
    # The legacy shape, until every custody command answers with an Outcome.
    return JSONResponse(result.body, status_code=result.status_code)


ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "a warehouse the caller named is outside its warehouses"},
    404: {"description": "unknown item, label, place, container, transfer, count or approval, or kept outside the "
                         "caller's warehouses (the same answer)"},
    409: {"description": "conflict"}, 422: {"description": "rule violated or bad input"}}


PENDING: dict[int | str, dict[str, Any]] = {
    202: {"model": CommandOut, "description": "high value: recorded as waiting for a second person to confirm"}}


def command(path: str, status_code: int, summary: str | None = None,
            also: dict[int | str, dict[str, Any]] | None = None) -> Callable[[Any], Any]:
    """A command route: answers CommandOut (or what `also` adds), documents the error kinds."""
    return router.post(path, status_code=status_code, summary=summary, response_model=CommandOut,
                       responses={**ERRORS, **(also or {})})


# --- warehouses, locations, containers -------------------------------------------------------

@command("/warehouses", status_code=201)
async def register_warehouse(request: Request, principal: Admin, body: WarehouseIn,
                             idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.register_warehouse(c, x, body.warehouse_id, body.name))


@command("/warehouses/{warehouse_id}/locations", status_code=201)
async def create_location(request: Request, principal: Registrar, warehouse_id: WarehouseId, body: LocationIn,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.create_location(c, x, warehouse_id, body.location_code, body.kind,
                                                           body.parent_code, body.name))


@router.get("/warehouses/{warehouse_id}/locations", response_model=list[LocationOut])
async def list_locations(request: Request, principal: LocationReader, warehouse_id: WarehouseId) -> Any:
    return await service.locations(_custody(request), principal, warehouse_id)


@command("/warehouses/{warehouse_id}/containers", status_code=201)
async def create_container(request: Request, principal: WarehouseStaff, warehouse_id: WarehouseId,
                           body: ContainerIn, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.create_container(c, x, warehouse_id, body.container_code,
                                                            body.location_code))


@command("/containers/{container_code}/pack", status_code=200)
async def pack(request: Request, principal: WarehouseStaff, container_code: Code, body: LabelsIn,
               idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.pack(c, x, container_code, body.labels))


@command("/containers/{container_code}/unpack", status_code=200)
async def unpack(request: Request, principal: WarehouseStaff, container_code: Code, body: LabelsIn,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.unpack(c, x, container_code, body.labels))


# --- scans ------------------------------------------------------------------------------------

@command("/scans/check-in", status_code=200, summary="Receive an item: scan its label, put it away")
async def check_in(request: Request, principal: WarehouseStaff, body: CheckInIn,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.check_in(
        c, x, body.label, _at(c, body), quantity_counted=body.quantity_counted, condition=body.condition,
        seal_intact=body.seal_intact, note=body.note, scanned_at=body.scanned_at, deliverer=body.deliverer,
        photo_ids=body.photo_ids))


@command("/scans/move", status_code=200, summary="Move an item or a container to a location")
async def move(request: Request, principal: WarehouseStaff, body: MoveIn,
               idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.move(
        c, x, _at(c, body), label=body.label, container_code=body.container_code,
        scanned_at=body.scanned_at))


# --- transfers --------------------------------------------------------------------------------

@command("/transfers", status_code=201, summary="Dispatch items to another warehouse", also=PENDING)
async def dispatch_transfer(request: Request, principal: WarehouseStaff, body: TransferIn,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.dispatch_transfer(c, x, body.plain()))


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
async def get_transfer(request: Request, principal: CustodyReader, transfer_id: uuid.UUID) -> Any:
    return await service.get_transfer(_custody(request), principal, transfer_id)


@command("/transfers/{transfer_id}/receive", status_code=200)
async def receive_transfer(request: Request, principal: WarehouseStaff, transfer_id: uuid.UUID,
                           body: TransferReceiptIn, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.receive_transfer(c, x, transfer_id, body.labels, _at(c, body)))


@command("/transfers/{transfer_id}/close", status_code=200)
async def close_transfer(request: Request, principal: WarehouseStaff, transfer_id: uuid.UUID,
                         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.close_transfer(c, x, transfer_id))


# --- check-out, holds, approvals ---------------------------------------------------------------

@command("/items/{item_id}/check-out", status_code=201, also=PENDING)
async def check_out(request: Request, principal: WarehouseStaff, item_id: uuid.UUID, body: CheckOutIn,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.check_out(c, x, item_id, body.plain(),
                                                                                    body.scanned_at))


@command("/items/{item_id}/return", status_code=200)
async def return_item(request: Request, principal: WarehouseStaff, item_id: uuid.UUID, body: ReturnIn,
                      idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.return_item(c, x, item_id, _at(c, body), body.condition,
                                                       body.scanned_at))


@command("/items/{item_id}/legal-hold", status_code=200)
async def place_hold(request: Request, principal: HoldAuthority, item_id: uuid.UUID, body: HoldIn,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.set_hold(c, x, item_id, body.reason, place=True))


@command("/items/{item_id}/legal-hold/lift", status_code=200)
async def lift_hold(request: Request, principal: HoldAuthority, item_id: uuid.UUID, body: HoldIn,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.set_hold(c, x, item_id, body.reason, place=False))


@router.get("/warehouses/{warehouse_id}/approvals", response_model=list[ApprovalOut])
async def pending_approvals(request: Request, principal: WarehouseStaff, warehouse_id: WarehouseId) -> Any:
    return await service.pending_approvals(_custody(request), principal, warehouse_id)


@command("/approvals/{approval_id}/confirm", status_code=200, summary="Second person confirms",
         also={201: {"model": CommandOut, "description": "the check-out or dispatch it confirmed is done"}})
async def confirm_approval(request: Request, principal: WarehouseStaff, approval_id: uuid.UUID,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.confirm_approval(c, x, approval_id))


@command("/approvals/{approval_id}/reject", status_code=200)
async def reject_approval(request: Request, principal: WarehouseStaff, approval_id: uuid.UUID,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.reject_approval(c, x, approval_id))


# --- handover to the disposal team ----------------------------------------------------------------

@command("/handovers", status_code=200,
         summary="Release a disposal batch's reserved items to the disposal team (202: a second person confirms)",
         also=PENDING)
async def hand_over(request: Request, principal: WarehouseStaff, body: HandoverIn,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.hand_over(c, x, body.plain()))


# --- inventory counts ----------------------------------------------------------------------------

@command("/counts", status_code=201, summary="Open an inventory count (kiểm kê)")
async def open_count(request: Request, principal: WarehouseStaff, body: CountIn,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.open_count(c, x, body.warehouse_id, body.location_code, body.blind))


@command("/counts/{count_id}/scans", status_code=200)
async def scan_count(request: Request, principal: WarehouseStaff, count_id: uuid.UUID, body: CountScanIn,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda c, x: service.scan_count(c, x, count_id, body.label,
                                                      scanned_location(c, body.location_code, body.location_label),
                                                      body.scanned_at))


@command("/counts/{count_id}/close", status_code=200)
async def close_count(request: Request, principal: WarehouseStaff, count_id: uuid.UUID,
                      idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda c, x: service.close_count(c, x, count_id))


# Unset: an open count has no report, a blind or closed one no expected items (absent, not null).
@router.get("/counts/{count_id}", response_model=CountOut, response_model_exclude_unset=True)
async def get_count(request: Request, principal: CustodyReader, count_id: uuid.UUID) -> Any:
    return await service.get_count(_custody(request), principal, count_id)


_WAREHOUSE = "$response.body#/warehouse_id"
_TRANSFER = "$response.body#/transfer_id"
_APPROVAL = "$response.body#/approval_id"
_COUNT = "$response.body#/count_id"
LINKS: Links = {
    ("post", "/warehouses", 201): {
        f"Warehouse{name}": link(method, f"/warehouses/{{warehouse_id}}{tail}", warehouse_id=_WAREHOUSE)
        for name, method, tail in [("Summary", "get", "/summary"), ("Items", "get", "/items"),
                                   ("Locations", "get", "/locations"), ("AddLocation", "post", "/locations"),
                                   ("AddContainer", "post", "/containers"), ("Approvals", "get", "/approvals"),
                                   ("OpenCounts", "get", "/counts"),
                                   ("StorageAge", "get", "/storage-age"), ("Overdue", "get", "/overdue"),
                                   ("Perishables", "get", "/perishables-past-limit"),
                                   ("Discrepancies", "get", "/discrepancies")]},
    ("post", "/warehouses/{warehouse_id}/locations", 201): {
        "LocationItems": link("get", "/locations/{location_code}/items",
                              location_code="$response.body#/location_code")},
    ("post", "/warehouses/{warehouse_id}/containers", 201): {
        "Pack": link("post", "/containers/{container_code}/pack", container_code="$request.body#/container_code"),
        "Unpack": link("post", "/containers/{container_code}/unpack",
                       container_code="$request.body#/container_code")},
    ("post", "/transfers", 201): {
        "GetTransfer": link("get", "/transfers/{transfer_id}", transfer_id=_TRANSFER),
        "ReceiveTransfer": link("post", "/transfers/{transfer_id}/receive", transfer_id=_TRANSFER),
        "CloseTransfer": link("post", "/transfers/{transfer_id}/close", transfer_id=_TRANSFER)},
    **{(method, path, 202): {"Confirm": link("post", "/approvals/{approval_id}/confirm", approval_id=_APPROVAL),
                             "Reject": link("post", "/approvals/{approval_id}/reject", approval_id=_APPROVAL)}
       for method, path in [("post", "/transfers"), ("post", "/items/{item_id}/check-out"), ("post", "/handovers")]},
    ("post", "/counts", 201): {
        "GetCount": link("get", "/counts/{count_id}", count_id=_COUNT),
        "ScanCount": link("post", "/counts/{count_id}/scans", count_id=_COUNT),
        "CloseCount": link("post", "/counts/{count_id}/close", count_id=_COUNT)},
}


def build_app(dsn: str, verifier: Verifier, label_key: Ed25519PublicKey, *, pool_max_size: int = 10,
              two_person_threshold_vnd: int = 100_000_000, perishable_limit_days: int = 30,
              two_person_window_hours: float = 24.0, location_key: Ed25519PrivateKey | None = None,
              files: FileStore | None = None) -> FastAPI:
    """`location_key` signs location labels: custody's own key (None: one of this process only); `files` keeps
    the photos (None: the default directory, .run/files/custody)."""
    def on_pool(app: FastAPI, pool: asyncpg.Pool) -> None:
        custody = Custody(pool, label_key, two_person_threshold_vnd, perishable_limit_days, two_person_window_hours)
        if files is not None:
            custody = dataclasses.replace(custody, files=files)
        app.state.custody = custody if location_key is None else dataclasses.replace(custody, location_key=location_key)

    app = create_database_app(title="Tangvat custody", token_verifier=verifier, dsn=dsn,
                              pool_max_size=pool_max_size, on_pool=on_pool)
    app.include_router(router)
    app.include_router(reads_router)
    app.include_router(photo_routes.router)
    app.include_router(labels_router)
    app.include_router(paperwork_router)
    app.include_router(returns_router)
    add_links(app, LINKS)
    return app
