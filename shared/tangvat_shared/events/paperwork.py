"""A form signed on the tablet (`custody.form_signed`, `disposal.form_signed`, subject `form/<form_id>`): which form
of which subject, the items it covers (one signature may cover a whole receipt, transfer or batch), the SHA-256 of
the signed PDF kept in the file store and of each party's signature image, who signed and in which role. Anyone
holding the PDF (GET its download) checks its bytes against `pdf_sha256`."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from tangvat_shared.types import Code
from tangvat_shared.types import RecordedShortText as ShortText

SHA256 = r"^[0-9a-f]{64}$"


class SignatureRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    party: Code  # the form's box: giver, receiver, keeper, chair, witness-1 ...
    name: ShortText  # the name written under the signature
    sha256: str = Field(pattern=SHA256)  # of the signature image (PNG) in the file store
    media_type: str


class FormSigned(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    form_id: uuid.UUID
    form: Code  # receipt-minutes | warehouse-receipt | transfer-minutes | handover-minutes | storage-card | ...
    subject_id: uuid.UUID  # the seizure (a receipt's forms), transfer, handover, item or batch
    warehouse_id: Code | None
    item_ids: list[uuid.UUID] = Field(max_length=100_000)
    pdf_sha256: str = Field(pattern=SHA256)
    pdf_size_bytes: int = Field(ge=1)
    signatures: list[SignatureRef] = Field(min_length=1, max_length=20)
    signed_by: ShortText
    signer_role: ShortText


PAPERWORK_EVENTS: dict[str, type[BaseModel]] = {
    "custody.form_signed": FormSigned,
    "disposal.form_signed": FormSigned,
}
