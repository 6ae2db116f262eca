"""What every custody route module needs once: the callers each role admits, the idempotency header, the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from tangvat_custody.service import Custody
from tangvat_shared.auth import Principal, Role
from tangvat_shared.http import require_roles
from tangvat_shared.types import Code, NonBlankLine

WarehouseStaff = Annotated[Principal, Depends(require_roles(Role.WAREHOUSE_STAFF))]
HoldAuthority = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
# The registry of warehouses and locations: read by every custody role and the admin who keeps it.
LocationReader = Annotated[Principal, Depends(require_roles(Role.WAREHOUSE_STAFF, Role.AUDITOR, Role.BOARD_MEMBER,
                                                               Role.ADMIN))]
Registrar = Annotated[Principal, Depends(require_roles(Role.WAREHOUSE_STAFF, Role.ADMIN))]
CustodyReader = Annotated[Principal, Depends(require_roles(Role.WAREHOUSE_STAFF, Role.AUDITOR, Role.BOARD_MEMBER))]
IdempotencyKey = Annotated[NonBlankLine | None, Header(alias="Idempotency-Key", max_length=200)]
WarehouseId = Code
Limit = Annotated[int, Query(ge=1, le=1000)]


def custody_of(request: Request) -> Custody:
    custody: Custody = request.app.state.custody
    return custody
