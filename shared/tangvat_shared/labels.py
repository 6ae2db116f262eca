"""Signed item labels: the QR payload carries the item id and label code, signed by intake.

Payload: `TV1.<item uuid hex>.<label code>.<base64url Ed25519 signature>`. A scanner holding
intake's public key can tell a genuine label from a forged or altered one, offline. Only the
canonical payload intake prints verifies: lower-case hex, no braces or `urn:uuid:`, the signature
unpadded and without foreign characters, no surrounding whitespace — two spellings of one label
would let a copy pass as another label (and a scanned string differ from the one on record).
"""

from __future__ import annotations

import base64
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tangvat_shared.errors import RuleViolation

PREFIX = "TV1"


class InvalidLabel(RuleViolation):
    code = "invalid_label"


def _signed_part(item_id: uuid.UUID, label_code: str) -> str:
    return f"{PREFIX}.{item_id.hex}.{label_code}"


def sign_label(key: Ed25519PrivateKey, item_id: uuid.UUID, label_code: str) -> str:
    signed = _signed_part(item_id, label_code)
    signature = base64.urlsafe_b64encode(key.sign(signed.encode())).decode().rstrip("=")
    return f"{signed}.{signature}"


def verify_label(key: Ed25519PublicKey, payload: str) -> tuple[uuid.UUID, str]:
    """Return (item id, label code) of a genuine label; raise InvalidLabel otherwise."""
    parts = payload.split(".")
    if len(parts) < 4 or parts[0] != PREFIX:
        raise InvalidLabel("not a Tangvat label")
    item_hex, signature = parts[1], parts[-1]
    label_code = ".".join(parts[2:-1])
    try:
        item_id = uuid.UUID(hex=item_hex)
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        key.verify(raw, _signed_part(item_id, label_code).encode())
    except (ValueError, InvalidSignature):
        raise InvalidLabel("label signature does not verify: forged or altered") from None
    # uuid.UUID and b64decode are lenient (upper case, braces, urn:uuid:, padding, characters outside
    # the alphabet are skipped): the payload must be exactly what sign_label prints for it.
    canonical = f"{_signed_part(item_id, label_code)}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"
    if payload != canonical:
        raise InvalidLabel("label is not in its canonical form: altered")
    return item_id, label_code
