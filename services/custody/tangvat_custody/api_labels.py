"""HTTP routes of custody's signed location labels: the warehouses a caller sees, a scanned location label looked
up, a warehouse's labels as JSON, a PDF sheet or ZPL for a thermal printer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from tangvat_custody.api_deps import LocationReader, Registrar
from tangvat_custody.api_deps import custody_of as _custody
from tangvat_custody.schemas import LabelledLocationOut, LocationLabel, WarehouseOut
from tangvat_custody.service import location_labels as labels
from tangvat_shared.label_print import render_pdf, render_zpl
from tangvat_shared.rendering import Renderer
from tangvat_shared.types import Code

Reader = LocationReader
Printer = Registrar
Codes = Annotated[list[Code], Query(max_length=500, description="the locations to print, in this order (none: "
                                                               "every location of the warehouse)")]
UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown warehouse, or a location not of this warehouse (`unknown_location`)"},
    403: {"description": "the warehouse is outside the caller's warehouses (`warehouse_scope`)"}}

router = APIRouter()


@router.get("/warehouses", response_model=list[WarehouseOut], summary="The warehouses the caller may see")
async def list_warehouses(request: Request, principal: Reader) -> Any:
    return await labels.warehouses(_custody(request), principal)


@router.get("/labels/location-lookup", response_model=LabelledLocationOut,
            summary="The location a scanned location label names",
            responses={404: {"description": "a genuine label of a location outside the caller's warehouses, or of "
                                            "none (`unknown_location`)"},
                       422: {"description": "not a genuine location label: an EAN, an item label, unsigned or "
                                            "altered text (`invalid_location_label`)"}})
async def location_by_label(request: Request, principal: Reader, label: Annotated[LocationLabel, Query()]) -> Any:
    return await labels.location_by_label(_custody(request), principal, label)


@router.get("/warehouses/{warehouse_id}/location-labels", response_model=list[LabelledLocationOut],
            summary="A warehouse's locations with their signed labels", responses=UNKNOWN)
async def labelled_locations(request: Request, principal: Printer, warehouse_id: Code) -> Any:
    return await labels.labelled_locations(_custody(request), principal, warehouse_id)


@router.get("/warehouses/{warehouse_id}/location-labels.pdf", response_class=Response, responses={
    200: {"content": {"application/pdf": {}}}, **UNKNOWN}, summary="Location labels as an A4 sheet (3×8)")
async def location_labels_pdf(request: Request, principal: Printer, warehouse_id: Code,
                              code: Codes = []) -> Response:  # noqa: B006 (FastAPI copies the default)
    title, printed = await labels.location_labels(_custody(request), principal, warehouse_id, code)
    renderer: Renderer = request.app.state.renderer
    pdf = await renderer.render(render_pdf, title, printed)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="location-labels-{warehouse_id}.pdf"'})


@router.get("/warehouses/{warehouse_id}/location-labels.zpl", response_class=Response, responses={
    200: {"content": {"application/zpl": {}}}, **UNKNOWN},
    summary="Location labels in ZPL for a 203-dpi thermal printer, 50×30 mm each (text ASCII-folded)")
async def location_labels_zpl(request: Request, principal: Printer, warehouse_id: Code,
                              code: Codes = []) -> Response:  # noqa: B006
    _, printed = await labels.location_labels(_custody(request), principal, warehouse_id, code)
    return Response(render_zpl(printed), media_type="application/zpl",
                    headers={"Content-Disposition": f'attachment; filename="location-labels-{warehouse_id}.zpl"'})
