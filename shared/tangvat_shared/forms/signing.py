"""Signatures captured on the tablet, as pure rules both services apply before a form is signed: each is a PNG
(by its bytes) of at most 256 KB that the pad actually drew on, in a box the form has, each box signed once.
The request's shape (`SignaturesIn`) is here too: custody and disposal take the same one."""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field

from tangvat_shared.content import accept
from tangvat_shared.errors import RuleViolation
from tangvat_shared.forms.layout import Party
from tangvat_shared.types import Code, NonBlankLine

MAX_SIGNATURE_BYTES = 256 * 1024
MAX_SIGNATURES = 12
DATA_URL = "data:image/png;base64,"
Base64Png = Annotated[str, Field(min_length=8, max_length=(MAX_SIGNATURE_BYTES * 4) // 3 + len(DATA_URL) + 8,
                                 pattern=r"^(data:image/png;base64,)?[A-Za-z0-9+/=]+$",
                                 description="the signature pad's PNG, base64 (a data: URL as the pad gives it, "
                                             "or bare), at most 256 KB decoded")]


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party: Code = Field(description="the form's signature box (giver, receiver, keeper, chair, witness-1 ...)")
    name: Annotated[NonBlankLine, Field(max_length=200, description="the signer's name, written under the box")]
    image: Base64Png


class SignaturesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signatures: list[SignatureIn] = Field(min_length=1, max_length=MAX_SIGNATURES)


@dataclass(frozen=True)
class Captured:
    """A signature accepted: its box, the name under it, the PNG and its SHA-256."""

    party: str
    name: str
    png: bytes
    sha256: str


def _refused(index: int, code: str, message: str, **details: object) -> RuleViolation:
    return RuleViolation(message, code=code, details=[{"loc": ["body", "signatures", index], **details}])


def decode(index: int, image: str) -> bytes:
    try:
        return base64.b64decode(image.removeprefix(DATA_URL), validate=True)
    except (binascii.Error, ValueError):
        raise _refused(index, "signature_unreadable", "the signature is not base64 of a PNG image") from None


def drawn_on(png: bytes) -> bool:
    """Whether the pad drew anything: a PNG that decodes, with at least one pixel not fully transparent or white."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        if image.width * image.height > 4_000_000:
            return False
        rgba = image.convert("RGBA")
    alpha_box = rgba.getchannel("A").getbbox()
    ink_box = Image.eval(rgba.convert("L"), lambda v: 255 - v).getbbox()
    return alpha_box is not None and (rgba.getchannel("A").getextrema() != (255, 255) or ink_box is not None)


def accept_signatures(parties: Sequence[Party], submitted: Sequence[SignatureIn]) -> list[Captured]:
    """The signatures as the form takes them, in the order given; refused naming the signature: an unknown box
    (`unknown_party`, the form's boxes in details), a box signed twice (`party_signed_twice`), not a PNG
    (`signature_type` / `signature_unreadable`), too large (`signature_too_large`), an empty pad
    (`signature_blank`)."""
    boxes = [p.key for p in parties]
    seen: set[str] = set()
    captured: list[Captured] = []
    for index, signature in enumerate(submitted):
        if signature.party not in boxes:
            raise _refused(index, "unknown_party", f"this form has no signature box {signature.party!r}",
                           parties=boxes)
        if signature.party in seen:
            raise _refused(index, "party_signed_twice", f"the box {signature.party!r} is signed twice")
        seen.add(signature.party)
        png = decode(index, signature.image)
        accepted = accept(png, accepted=("image/png",), max_bytes=MAX_SIGNATURE_BYTES, code_prefix="signature",
                          field="signature")
        try:
            drawn = drawn_on(png)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise _refused(index, "signature_unreadable", "the signature is not a readable PNG image") from None
        if not drawn:
            raise _refused(index, "signature_blank", "the signature pad is empty: sign in the box first")
        captured.append(Captured(signature.party, signature.name, png, accepted.sha256))
    return captured
