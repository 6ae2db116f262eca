"""HTTP routes of the disposal service: thin, authenticated, each calling one service function."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from tangvat_disposal import api_evidence as evidence_routes
from tangvat_disposal import certificate, service
from tangvat_disposal.api_paperwork import router as paperwork_router
from tangvat_disposal.domain import BatchStatus
from tangvat_disposal.schemas import (
    BatchItemOut,
    BatchOut,
    BatchSummary,
    BoardIn,
    BoardOut,
    CancelIn,
    CommandOut,
    DropIn,
    ExecutionIn,
    ItemOut,
    ProposalIn,
    VoteIn,
    WitnessIn,
)
from tangvat_disposal.service import Disposal
from tangvat_shared.auth import Principal, Role, Verifier
from tangvat_shared.command import CommandContext, Outcome
from tangvat_shared.files import FileStore
from tangvat_shared.http import answer, command_context, create_database_app, require_roles
from tangvat_shared.openapi import Links, add_links, link
from tangvat_shared.rendering import Renderer
from tangvat_shared.types import Code, NonBlankLine

BoardMember = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER, Role.AUDITOR))]
# A destruction's witnesses: board members and auditors of the unit (never custody's staff, who handle the goods).
Witness = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER, Role.AUDITOR))]
IdempotencyKey = Annotated[NonBlankLine | None, Header(alias="Idempotency-Key", max_length=200)]

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "outside the caller's units or roles"}, 404: {"description": "unknown batch or item"},
    409: {"description": "conflict or illegal transition"}, 422: {"description": "rule violated or bad input"}}

router = APIRouter()


def _disposal(request: Request) -> Disposal:
    disposal: Disposal = request.app.state.disposal
    return disposal


Command = Callable[[Disposal, CommandContext], Awaitable[Outcome]]


async def _run(request: Request, principal: Principal, key: str | None, command: Command) -> JSONResponse:
    return answer(await command(_disposal(request), await command_context(request, principal, key)))


@router.put("/boards/{unit}", status_code=200, responses=ERRORS, summary="Set a unit's board and its quorum")
async def configure_board(request: Request, principal: Admin, unit: Code, body: BoardIn,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda d, x: service.configure_board(d, x, unit, body))


@router.get("/boards/{unit}", response_model=BoardOut, responses=ERRORS)
async def get_board(request: Request, principal: Reader, unit: Code) -> dict[str, Any]:
    return await service.get_board(_disposal(request), principal, unit)


@router.post("/batches", status_code=201, response_model=CommandOut, responses=ERRORS,
             summary="Propose a batch for disposal (explicit item list or a filter)")
async def propose(request: Request, principal: BoardMember, body: ProposalIn,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda d, x: service.propose(d, x, body))


@router.get("/batches", response_model=list[BatchSummary], responses=ERRORS)
async def list_batches(request: Request, principal: Reader, status: BatchStatus | None = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    return await service.list_batches(_disposal(request), principal, status.value if status else None, limit)


@router.get("/batches/{batch_id}", response_model=BatchOut, responses=ERRORS)
async def get_batch(request: Request, principal: Reader, batch_id: uuid.UUID) -> dict[str, Any]:
    return await service.get_batch(_disposal(request), principal, batch_id)


@router.get("/batches/{batch_id}/items", response_model=list[BatchItemOut], responses=ERRORS)
async def batch_items(request: Request, principal: Reader, batch_id: uuid.UUID,
                      offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
                      limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> list[dict[str, Any]]:
    return await service.batch_items(_disposal(request), principal, batch_id, offset, limit)


@router.post("/batches/{batch_id}/votes", status_code=200, response_model=CommandOut, responses=ERRORS,
             summary="A board member approves or rejects, once")
async def vote(request: Request, principal: BoardMember, batch_id: uuid.UUID, body: VoteIn,
               idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda d, x: service.vote(d, x, batch_id, body))


@router.post("/batches/{batch_id}/cancel", status_code=200, response_model=CommandOut, responses=ERRORS)
async def cancel(request: Request, principal: BoardMember, batch_id: uuid.UUID, body: CancelIn,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda d, x: service.cancel(d, x, batch_id, body))


@router.post("/batches/{batch_id}/items/{item_id}/drop", status_code=200, response_model=CommandOut,
             responses=ERRORS, summary="Take one item out of an approved batch before execution, with a reason")
async def drop_item(request: Request, principal: BoardMember, batch_id: uuid.UUID, item_id: uuid.UUID, body: DropIn,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda d, x: service.drop_item(d, x, batch_id, item_id, body))


@router.post("/batches/{batch_id}/execution", status_code=200, response_model=CommandOut, responses=ERRORS,
             summary="Record the destruction, sale, transfer or return of the reserved items")
async def execute(request: Request, principal: BoardMember, batch_id: uuid.UUID, body: ExecutionIn,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key, lambda d, x: service.execute(d, x, batch_id, body))


@router.post("/batches/{batch_id}/execution/witnesses", status_code=200, response_model=CommandOut,
             responses=ERRORS, summary="A witness, signed in as themselves, confirms attending the destruction")
async def confirm_witness(request: Request, principal: Witness, batch_id: uuid.UUID, body: WitnessIn,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda d, x: service.confirm_witness(d, x, batch_id, body))


@router.delete("/batches/{batch_id}/execution/witnesses/me", status_code=200, response_model=CommandOut,
               responses=ERRORS, summary="A witness who confirmed by mistake withdraws, before the execution")
async def withdraw_witness(request: Request, principal: Witness, batch_id: uuid.UUID,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _run(request, principal, idempotency_key,
                      lambda d, x: service.withdraw_witness(d, x, batch_id))


@router.get("/batches/{batch_id}/certificate.pdf", responses={**ERRORS, 200: {"content": {"application/pdf": {}}}},
            response_class=Response, summary="Biên bản tiêu hủy (destruction certificate)")
async def destruction_certificate(request: Request, principal: Reader, batch_id: uuid.UUID) -> Response:
    data = await service.certificate_data(_disposal(request), principal, batch_id)
    renderer: Renderer = request.app.state.renderer
    pdf = await renderer.render(certificate.render, data.batch, data.items)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="bien-ban-tieu-huy-{batch_id}.pdf"'})


@router.get("/items/{item_id}", response_model=ItemOut, responses=ERRORS,
            summary="The disposal read model of one item, with its chain of custody")
async def get_item(request: Request, principal: Reader, item_id: uuid.UUID) -> dict[str, Any]:
    return await service.get_item(_disposal(request), principal, item_id)


_BATCH = "$response.body#/batch_id"
LINKS: Links = {
    ("put", "/boards/{unit}", 200): {"GetBoard": link("get", "/boards/{unit}", unit="$request.path.unit")},
    ("post", "/batches", 201): {
        f"Batch{name}": link(method, f"/batches/{{batch_id}}{tail}", batch_id=_BATCH)
        for name, method, tail in [("Get", "get", ""), ("Items", "get", "/items"), ("Vote", "post", "/votes"),
                                   ("Cancel", "post", "/cancel"), ("Execute", "post", "/execution"),
                                   ("Certificate", "get", "/certificate.pdf")]},
    ("get", "/batches/{batch_id}/items", 200): {
        "GetItem": link("get", "/items/{item_id}", item_id="$response.body#/0/item_id"),
        "DropItem": link("post", "/batches/{batch_id}/items/{item_id}/drop", batch_id="$request.path.batch_id",
                         item_id="$response.body#/0/item_id")},
}


def build_app(dsn: str, verifier: Verifier, *, pool_max_size: int = 10,
              max_items_per_batch: int = 100_000, files: FileStore | None = None) -> FastAPI:
    """`files` keeps the executions' evidence (None: the default directory, .run/files/disposal)."""
    def on_pool(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.disposal = Disposal(pool, max_items_per_batch) if files is None else Disposal(
            pool, max_items_per_batch, files)

    app = create_database_app(title="Tangvat disposal", token_verifier=verifier, dsn=dsn,
                              pool_max_size=pool_max_size, on_pool=on_pool)
    app.include_router(router)
    app.include_router(paperwork_router)
    app.include_router(evidence_routes.router)
    add_links(app, LINKS)
    return app
