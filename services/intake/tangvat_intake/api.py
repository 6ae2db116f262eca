"""HTTP routes of the intake service: thin, authenticated, each calling one service function."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Depends, FastAPI, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from tangvat_intake import api_files as file_routes
from tangvat_intake import api_reprints as reprint_routes
from tangvat_intake import service
from tangvat_intake.csv_import import read_items
from tangvat_intake.field_problems import problem_code
from tangvat_intake.label_sheet import MAX_LABELS_PER_SHEET, qr_png, qr_svg, render_sheet
from tangvat_intake.schemas import (
    Accepted,
    ItemCorrectionIn,
    ItemOut,
    ItemPage,
    LabelCheckIn,
    LabelCheckOut,
    LegalStatusIn,
    RegistrationResult,
    SeizureCorrectionIn,
    SeizureFields,
    SeizureOut,
    SeizurePage,
    SeizureRegistration,
)
from tangvat_intake.search import SeizureState, build_search
from tangvat_shared.auth import Principal, Role, Verifier
from tangvat_shared.command import CommandContext
from tangvat_shared.errors import InvalidInput
from tangvat_shared.events.intake import Category
from tangvat_shared.files import FileStore
from tangvat_shared.http import answer, correlation_id_of, create_database_app, require_roles
from tangvat_shared.idempotency import check_key
from tangvat_shared.openapi import Links, add_links, link
from tangvat_shared.rendering import Renderer
from tangvat_shared.types import Code, Day, Document, NonBlankLine, ShortText

IntakeOfficer = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER))]
IntakeReader = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER, Role.AUDITOR))]
LabelReader = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER, Role.WAREHOUSE_STAFF, Role.AUDITOR))]
IdempotencyKey = Annotated[NonBlankLine | None, Header(alias="Idempotency-Key", max_length=200)]

router = APIRouter()
CSV_COLUMNS_HELP = (
    "CSV with a header: category,description,quantity,unit,value_vnd,label_code,warehouse_id"
    "[,brand,perishable,hazardous,condition,photos]"
)


def _intake(request: Request) -> service.Intake:
    intake: service.Intake = request.app.state.intake
    return intake


def _ctx(request: Request, principal: Principal) -> CommandContext:
    return CommandContext(principal, correlation_id_of(request))


def _row_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Each refused field: where (`loc`; an item's `row` and `field`), why in a code (`field_problems`)."""
    details = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        entry: dict[str, Any] = {"loc": loc, "message": error["msg"], "type": error["type"],
                                 "code": problem_code(error)}
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            entry["row"] = loc[1] + 1
            entry["field"] = str(loc[2]) if len(loc) > 2 else None
        else:
            entry["field"] = ".".join(str(part) for part in loc)
        details.append(entry)
    return details


async def _register(request: Request, principal: Principal, registration: SeizureRegistration, raw: bytes,
                    key: str | None) -> JSONResponse:
    # The key names the registration's content (JSON body, or seizure fields + CSV), whichever route it came by.
    ctx = CommandContext(principal, correlation_id_of(request), check_key(key) if key is not None else None,
                         hashlib.sha256(raw).hexdigest())
    outcome = await service.register_seizure(_intake(request), ctx, registration)
    response = answer(outcome)
    response.headers["Location"] = f"/seizures/{outcome.body['seizure_id']}"
    return response


@router.post(
    "/seizures",
    status_code=201,
    response_model=RegistrationResult,
    summary="Register a seizure with all its items (up to 100,000), all or nothing",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeizureRegistration"}}},
        }
    },
)
async def register_seizure(
    request: Request, principal: IntakeOfficer, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    raw = await request.body()
    try:
        registration = SeizureRegistration.model_validate_json(raw)
    except ValidationError as exc:
        details = _row_errors(exc)
        raise InvalidInput(f"{len(details)} problem(s) in the registration", details=details[:1000]) from None
    return await _register(request, principal, registration, raw, idempotency_key)


@router.post("/seizures/csv", status_code=201, response_model=RegistrationResult,
             summary="Register a seizure whose items come as a CSV file")
async def register_seizure_csv(
    request: Request,
    principal: IntakeOfficer,
    seizure: Annotated[Document, Form(description="the seizure's fields as JSON (SeizureFields)")],
    items: Annotated[UploadFile, File(description=CSV_COLUMNS_HELP)],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    raw_csv = await items.read()
    try:
        fields = SeizureFields.model_validate_json(seizure)
    except ValidationError as exc:
        raise InvalidInput("seizure fields are invalid", details=_row_errors(exc)) from None
    reading = read_items(raw_csv)
    raw = seizure.encode() + b"\x1e" + raw_csv
    ctx = CommandContext(principal, correlation_id_of(request),
                         check_key(idempotency_key) if idempotency_key is not None else None,
                         hashlib.sha256(raw).hexdigest())
    outcome = await service.register_seizure_csv(_intake(request), ctx, fields, reading)
    response = answer(outcome)
    response.headers["Location"] = f"/seizures/{outcome.body['seizure_id']}"
    return response


@router.get("/seizures", response_model=SeizurePage,
            summary="Seizures of the caller's units, newest first: by words (diacritics optional), dates, state")
async def search_seizures(
    request: Request,
    principal: IntakeReader,
    q: Annotated[ShortText | None, Query(description="words anywhere: record, case, offender, place, notes")] = None,
    record_number: ShortText | None = None,
    case_id: Annotated[ShortText | None, Query(description="the INS case number")] = None,
    offender: Annotated[ShortText | None, Query(description="the offender's name or id number")] = None,
    brand: Annotated[ShortText | None, Query(description="a brand of one of its items")] = None,
    warehouse_id: Annotated[Code | None, Query(description="one of its items goes to this warehouse")] = None,
    seized_from: Annotated[Day | None, Query(alias="from", description="a day of Vietnam time (+07:00)")] = None,
    seized_to: Annotated[Day | None, Query(alias="to", description="a day of Vietnam time, included")] = None,
    state: SeizureState | None = None,
    after: Annotated[Code | None, Query(description="`next_after` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    filters = build_search(q=q, record_number=record_number, case_id=case_id, offender=offender, brand=brand,
                           warehouse_id=warehouse_id, seized_from=seized_from, seized_to=seized_to, state=state,
                           after=after)
    return await service.search_seizures(_intake(request), principal, filters, limit)


@router.get("/seizures/{seizure_id}", response_model=SeizureOut)
async def get_seizure(request: Request, principal: IntakeReader, seizure_id: uuid.UUID) -> dict[str, Any]:
    return await service.get_seizure(_intake(request), principal, seizure_id)


@router.get("/seizures/{seizure_id}/items", response_model=ItemPage)
async def list_items(
    request: Request,
    principal: IntakeReader,
    seizure_id: uuid.UUID,
    category: Category | None = None,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="line number to continue after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    return await service.list_items(_intake(request), principal, seizure_id, category, after, limit)


@router.get("/items/{item_id}", response_model=ItemOut)
async def get_item(request: Request, principal: IntakeReader, item_id: uuid.UUID) -> dict[str, Any]:
    return await service.get_item(_intake(request), principal, item_id)


@router.get("/items/{item_id}/label.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
async def item_label(request: Request, principal: IntakeReader, item_id: uuid.UUID) -> Response:
    item = await service.get_item(_intake(request), principal, item_id)
    return Response(qr_svg(item["label_payload"]), media_type="image/svg+xml")


@router.get("/items/{item_id}/label.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def item_label_png(request: Request, principal: IntakeReader, item_id: uuid.UUID) -> Response:
    item = await service.get_item(_intake(request), principal, item_id)
    return Response(qr_png(item["label_payload"]), media_type="image/png")


@router.get("/seizures/{seizure_id}/labels.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
async def label_sheet(
    request: Request,
    principal: IntakeReader,
    seizure_id: uuid.UUID,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LABELS_PER_SHEET, description="labels on this sheet (at most "
                                f"{MAX_LABELS_PER_SHEET:,}; `after` continues)")] = 240,
) -> Response:
    title, labels = await service.label_sheet(_intake(request), principal, seizure_id, after, limit)
    renderer: Renderer = request.app.state.renderer
    sheet = await renderer.render(render_sheet, title, labels)
    return Response(sheet, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="labels-{seizure_id}.pdf"'})


@router.post("/labels/verify", response_model=LabelCheckOut,
             summary="Tell a genuine label from a forged or altered one")
async def check_label(request: Request, principal: LabelReader, body: LabelCheckIn) -> dict[str, Any]:
    return service.check_label(_intake(request), body.payload)


@router.post("/items/{item_id}/corrections", status_code=201, response_model=Accepted)
async def correct_item(request: Request, principal: IntakeOfficer, item_id: uuid.UUID,
                       body: ItemCorrectionIn) -> JSONResponse:
    return answer(await service.correct_item(_intake(request), _ctx(request, principal), item_id, body))


@router.post("/seizures/{seizure_id}/corrections", status_code=201, response_model=Accepted)
async def correct_seizure(request: Request, principal: IntakeOfficer, seizure_id: uuid.UUID,
                          body: SeizureCorrectionIn) -> JSONResponse:
    return answer(await service.correct_seizure(_intake(request), _ctx(request, principal), seizure_id, body))


@router.post("/seizures/{seizure_id}/legal-status", status_code=201, response_model=Accepted,
             responses={409: {"description": "the seizure's legal status is already recorded (once)"}})
async def record_legal_status(request: Request, principal: IntakeOfficer, seizure_id: uuid.UUID,
                              body: LegalStatusIn) -> JSONResponse:
    return answer(await service.record_legal_status(_intake(request), _ctx(request, principal), seizure_id, body))


_SEIZURE = "$response.body#/seizure_id"
_FIRST_ITEM = "$response.body#/items/0/item_id"
_FROM_SEIZURE = {
    "GetSeizure": link("get", "/seizures/{seizure_id}", seizure_id=_SEIZURE),
    "ListItems": link("get", "/seizures/{seizure_id}/items", seizure_id=_SEIZURE),
    "LabelSheet": link("get", "/seizures/{seizure_id}/labels.pdf", seizure_id=_SEIZURE),
    "CorrectSeizure": link("post", "/seizures/{seizure_id}/corrections", seizure_id=_SEIZURE),
    "RecordLegalStatus": link("post", "/seizures/{seizure_id}/legal-status", seizure_id=_SEIZURE),
}
_FROM_ITEM = {
    "GetItem": link("get", "/items/{item_id}", item_id=_FIRST_ITEM),
    "ItemHistory": link("get", "/items/{item_id}/history", item_id=_FIRST_ITEM),
    "ItemLabelSvg": link("get", "/items/{item_id}/label.svg", item_id=_FIRST_ITEM),
    "ItemLabelPng": link("get", "/items/{item_id}/label.png", item_id=_FIRST_ITEM),
    "CorrectItem": link("post", "/items/{item_id}/corrections", item_id=_FIRST_ITEM),
}
LINKS: Links = {
    ("post", "/seizures", 201): _FROM_SEIZURE,
    ("post", "/seizures/csv", 201): _FROM_SEIZURE,
    ("get", "/seizures/{seizure_id}/items", 200): _FROM_ITEM,
}


def build_app(dsn: str, verifier: Verifier, signing_key: Ed25519PrivateKey, *, pool_max_size: int = 10,
              files: FileStore | None = None) -> FastAPI:
    """`files` keeps the seizures' photos and documents (None: the default directory, .run/files/intake)."""
    def on_pool(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.intake = service.Intake(pool, signing_key) if files is None else service.Intake(pool, signing_key,
                                                                                                   files)

    app = create_database_app(title="Tangvat intake", token_verifier=verifier, dsn=dsn, pool_max_size=pool_max_size,
                              on_pool=on_pool)
    app.include_router(router)
    app.include_router(reprint_routes.router)
    app.include_router(file_routes.router)  # with the item's history, which staff of its warehouse read too
    add_links(app, LINKS)
    # The bulk route validates its raw body itself (fast path); publish its schema for clients.
    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = original_openapi().setdefault("components", {}).setdefault("schemas", {})
            registration = SeizureRegistration.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in registration.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schemas["SeizureRegistration"] = registration
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    return app
