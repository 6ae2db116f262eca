"""HTTP routes of the counter's returns to owners on a release order: the tasks with deadlines, the hand-back."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from tangvat_custody import domain_returns as rules
from tangvat_custody import return_forms
from tangvat_custody.api_deps import IdempotencyKey, WarehouseStaff
from tangvat_custody.api_deps import custody_of as _custody
from tangvat_custody.schemas import CommandOut
from tangvat_custody.schemas_returns import ReturnIn, ReturnOut, ReturnTaskOut
from tangvat_custody.service import returns
from tangvat_shared.auth import Principal
from tangvat_shared.errors import RuleViolation
from tangvat_shared.forms import release
from tangvat_shared.forms.signing import DATA_URL
from tangvat_shared.http import answer, command_context
from tangvat_shared.rendering import Renderer
from tangvat_shared.types import Code

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "a warehouse outside the caller's"},
    404: {"description": "unknown item or return, or kept outside the caller's warehouses (the same answer)"},
    409: {"description": "an item off its shelf, on hold or in another warehouse"},
    422: {"description": "no release order, an item of another seizure, or bad input"}}


@router.get("/returns", response_model=list[ReturnTaskOut], responses=ERRORS,
            summary="Release orders to carry out: each seizure's goods still in custody and the deadline")
async def return_tasks(request: Request, principal: WarehouseStaff, warehouse_id: Code | None = None
                       ) -> list[dict[str, Any]]:
    return await returns.return_tasks(_custody(request), principal, warehouse_id)


def _owner_png(image: str | None) -> bytes | None:
    """The pad's PNG (a data: URL or bare base64), refused in words when it is not base64 at all."""
    if image is None:
        return None
    try:
        return base64.b64decode(image.removeprefix(DATA_URL), validate=True)
    except (binascii.Error, ValueError):
        raise RuleViolation("the owner's signature is not base64 of a PNG image", code="signature_unreadable",
                            details=[{"loc": ["body", "owner_signature_png"]}]) from None


@router.post("/returns", status_code=201, response_model=CommandOut, responses=ERRORS,
             summary="Hand goods back to their owner on a release order (ID checked at the counter)")
async def return_to_owner(request: Request, principal: WarehouseStaff, body: ReturnIn,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ask = rules.OwnerReturn(body.seizure_id, body.warehouse_id, body.item_ids, body.owner_name.strip(),
                            body.id_type, body.id_number.strip())
    ctx = await command_context(request, principal, idempotency_key)
    return answer(await returns.return_to_owner(_custody(request), ctx, ask, _owner_png(body.owner_signature_png)))


@router.get("/returns/{return_id}", response_model=ReturnOut, responses=ERRORS,
            summary="One hand-back as recorded (what its notice and minutes print)")
async def get_return(request: Request, principal: WarehouseStaff, return_id: uuid.UUID) -> dict[str, Any]:
    return await returns.get_return(_custody(request), principal, return_id)


PDF: dict[int | str, dict[str, Any]] = {**ERRORS, 200: {"content": {"application/pdf": {}}}}


async def _paper(request: Request, principal: Principal, return_id: uuid.UUID, which: str) -> Response:
    row, png = await returns.return_papers(_custody(request), principal, return_id)
    data = return_forms.of(row)
    renderer: Renderer = request.app.state.renderer
    if which == "minutes":
        pdf = await renderer.render(release.render_minutes, data, return_forms.signatures(row, png))
    else:
        pdf = await renderer.render(release.render_notice, data)
    name = f"{'bien-ban' if which == 'minutes' else 'thong-bao'}-tra-tang-vat-{return_id}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/returns/{return_id}/minutes.pdf", responses=PDF, response_class=Response,
            summary="Biên bản trả lại tang vật: the four-party minutes, the owner's signature drawn in")
async def return_minutes(request: Request, principal: WarehouseStaff, return_id: uuid.UUID) -> Response:
    return await _paper(request, principal, return_id, "minutes")


@router.get("/returns/{return_id}/notice.pdf", responses=PDF, response_class=Response,
            summary="Thông báo trả lại tang vật: the notice to the owner")
async def return_notice(request: Request, principal: WarehouseStaff, return_id: uuid.UUID) -> Response:
    return await _paper(request, principal, return_id, "notice")
