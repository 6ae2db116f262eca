"""Signed labels: item labels (the item id and label code, signed by intake) and location labels (the location
code, signed by custody).

Payload: `TV1.<item uuid hex>.<label code>.<base64url Ed25519 signature>`. A scanner holding
intake's public key can tell a genuine label from a forged or altered one, offline. Only the
canonical payload intake prints verifies: lower-case hex, no braces or `urn:uuid:`, the signature
unpadded and without foreign characters, no surrounding whitespace — two spellings of one label
would let a copy pass as another label (and a scanned string differ from the one on record).

Location label: `TVL1.<location code>.<base64url Ed25519 signature>`, with the same strictness: a
manufacturer's EAN, a hand-typed code or any text custody did not sign is no location.
"""

from __future__ import annotations

import base64
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tangvat_shared.errors import RuleViolation

PREFIX = "TV1"
LOCATION_PREFIX = "TVL1"


class InvalidLabel(RuleViolation):
    code = "invalid_label"


class InvalidLocationLabel(RuleViolation):
    code = "invalid_location_label"


def _signature(key: Ed25519PrivateKey, signed: str) -> str:
    return base64.urlsafe_b64encode(key.sign(signed.encode())).decode().rstrip("=")


def _verified_signature(key: Ed25519PublicKey, signed: str, signature: str) -> str:
    """The canonical spelling of a signature that verifies for `signed`; ValueError/InvalidSignature otherwise."""
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    key.verify(raw, signed.encode())
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _signed_part(item_id: uuid.UUID, label_code: str) -> str:
    return f"{PREFIX}.{item_id.hex}.{label_code}"


def sign_label(key: Ed25519PrivateKey, item_id: uuid.UUID, label_code: str) -> str:
    signed = _signed_part(item_id, label_code)
    return f"{signed}.{_signature(key, signed)}"


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


def sign_location_label(key: Ed25519PrivateKey, location_code: str) -> str:
    signed = f"{LOCATION_PREFIX}.{location_code}"
    return f"{signed}.{_signature(key, signed)}"


def verify_location_label(key: Ed25519PublicKey, payload: str) -> str:
    """Return the location code of a genuine location label; raise InvalidLocationLabel otherwise."""
    parts = payload.split(".")
    if len(parts) >= 4 and parts[0] == PREFIX:
        raise InvalidLocationLabel("this is an item's label, not a location label")
    if len(parts) < 3 or parts[0] != LOCATION_PREFIX or not all(parts[1:-1]):
        raise InvalidLocationLabel("not a Tangvat location label (a manufacturer's barcode or unsigned text)")
    location_code = ".".join(parts[1:-1])
    signed = f"{LOCATION_PREFIX}.{location_code}"
    try:
        canonical = f"{signed}.{_verified_signature(key, signed, parts[-1])}"
    except (ValueError, InvalidSignature):
        raise InvalidLocationLabel("location label signature does not verify: forged or altered") from None
    if payload != canonical:
        raise InvalidLocationLabel("location label is not in its canonical form: altered")
    return location_code
