"""Token verification and signed labels, without any server."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from tangvat_shared.auth import Role, TokenVerifier, mint_token
from tangvat_shared.errors import Forbidden, Unauthenticated
from tangvat_shared.keys import generate_private_key
from tangvat_shared.labels import InvalidLabel, sign_label, verify_label

KEY = generate_private_key()
VERIFIER = TokenVerifier(KEY.public_key())
HMAC_SECRET = "a-shared-secret-long-enough-for-hs256!"


def test_a_valid_token_yields_its_principal_and_scopes() -> None:
    token = mint_token(KEY, subject="u1", roles=[Role.WAREHOUSE_STAFF], warehouses=["KHO-1"])
    principal = VERIFIER.verify(token)
    assert principal.user_id == "u1"
    assert principal.may_act_in_warehouse("KHO-1")
    assert not principal.may_act_in_warehouse("KHO-2")
    with pytest.raises(Forbidden):
        principal.require_warehouse("KHO-2")


def test_an_expired_token_is_refused() -> None:
    token = mint_token(KEY, subject="u1", roles=[Role.AUDITOR], now=time.time() - 7200, ttl_seconds=60)
    with pytest.raises(Unauthenticated) as caught:
        VERIFIER.verify(token)
    assert caught.value.code == "token_expired"


def test_a_cached_token_is_refused_once_it_expires() -> None:
    verifier = TokenVerifier(KEY.public_key(), leeway_seconds=0)
    issued = time.time() - 58
    token = mint_token(KEY, subject="u1", roles=[Role.WAREHOUSE_STAFF], now=issued, ttl_seconds=60)
    assert verifier.verify(token).user_id == "u1"
    assert verifier.verify(token).user_id == "u1"  # from the cache
    time.sleep(max(0.0, int(issued) + 60 - time.time()) + 1.05)  # until just past its expiry
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(token)
    assert caught.value.code == "token_expired"


def test_a_token_altered_after_a_cached_verification_is_refused() -> None:
    verifier = TokenVerifier(KEY.public_key())
    token = mint_token(KEY, subject="u1", roles=[Role.WAREHOUSE_STAFF])
    verifier.verify(token)
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    with pytest.raises(Unauthenticated):
        verifier.verify(tampered)


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode({"sub": "u", "roles": ["admin"], "aud": "tangvat", "iss": "tangvat-auth",
                    "iat": int(time.time()), "exp": int(time.time()) + 60}, None, algorithm="none"),
        jwt.encode({"sub": "u", "roles": ["admin"], "aud": "tangvat", "iss": "tangvat-auth",
                    "iat": int(time.time()), "exp": int(time.time()) + 60}, HMAC_SECRET, algorithm="HS256"),
        mint_token(generate_private_key(), subject="u", roles=[Role.ADMIN]),
        mint_token(KEY, subject="u", roles=[Role.ADMIN], extra={"aud": "other"}),
        mint_token(KEY, subject="u", roles=[Role.ADMIN], extra={"iss": "someone"}),
        "not-a-token",
    ],
    ids=["alg-none", "hmac", "wrong-key", "wrong-audience", "wrong-issuer", "garbage"],
)
def test_forged_tokens_are_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(token)


def test_a_token_with_an_unknown_role_is_refused() -> None:
    token = mint_token(KEY, subject="u", roles=[Role.ADMIN], extra={"roles": ["superuser"]})
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(token)


def test_a_genuine_label_verifies_and_names_its_item() -> None:
    item_id = uuid.uuid4()
    payload = sign_label(KEY, item_id, "BN.2022-000001")
    assert verify_label(KEY.public_key(), payload) == (item_id, "BN.2022-000001")


def test_an_altered_or_forged_label_is_refused() -> None:
    item_id = uuid.uuid4()
    payload = sign_label(KEY, item_id, "BN-1")
    altered = payload.replace("BN-1", "BN-2")
    forged = sign_label(generate_private_key(), item_id, "BN-1")
    for bad in (altered, forged, "TV1.nonsense", "hello", payload[:-3]):
        with pytest.raises(InvalidLabel):
            verify_label(KEY.public_key(), bad)


def _variants(payload: str) -> dict[str, str]:
    """Six spellings of one genuine label that lenient parsing (uuid.UUID, b64decode) accepts."""
    prefix, item_hex, rest = payload.split(".", 2)
    code, signature = rest.rsplit(".", 1)
    item_id = uuid.UUID(hex=item_hex)
    return {
        "upper-case-hex": f"{prefix}.{item_hex.upper()}.{code}.{signature}",
        "braces": f"{prefix}.{{{item_hex}}}.{code}.{signature}",
        "urn-uuid": f"{prefix}.{item_id.urn}.{code}.{signature}",
        "padded-signature": f"{payload}==",
        "junk-in-signature": f"{prefix}.{item_hex}.{code}.{signature[:10]}!*!*{signature[10:]}",
        "whitespace": f"  {payload}\n",
    }


@pytest.mark.parametrize("variant", ["upper-case-hex", "braces", "urn-uuid", "padded-signature",
                                     "junk-in-signature", "whitespace"])
def test_invalid_label_only_the_canonical_payload_verifies(variant: str) -> None:
    item_id = uuid.uuid4()
    payload = sign_label(KEY, item_id, "BN-1")
    assert verify_label(KEY.public_key(), payload) == (item_id, "BN-1")
    with pytest.raises(InvalidLabel) as caught:
        verify_label(KEY.public_key(), _variants(payload)[variant])
    assert caught.value.code == "invalid_label"


def test_role_required_admin_is_no_super_user_of_the_work() -> None:
    """Admin keeps accounts, boards and the warehouse registry; it has no scope it was not given and no
    work role (`role_required`, `warehouse_scope`, `unit_scope`)."""
    import asyncio

    from tangvat_shared.http import require_roles

    admin = VERIFIER.verify(mint_token(KEY, subject="root", roles=[Role.ADMIN]))
    assert not admin.may_act_in_warehouse("KHO-1") and not admin.may_act_for_unit("QLTT-BN")
    with pytest.raises(Forbidden) as caught:
        admin.require_warehouse("KHO-1")
    assert caught.value.code == "warehouse_scope"
    with pytest.raises(Forbidden) as caught:
        asyncio.run(require_roles(Role.WAREHOUSE_STAFF)(admin))
    assert caught.value.code == "role_required"
    assert asyncio.run(require_roles(Role.ADMIN)(admin)) is admin
    admin.require_registry_warehouse("KHO-1")  # the registry of every warehouse and unit is an admin's
    admin.require_registry_unit("QLTT-BN")
    staff = VERIFIER.verify(mint_token(KEY, subject="s", roles=[Role.WAREHOUSE_STAFF], warehouses=["KHO-1"]))
    with pytest.raises(Forbidden):
        staff.require_registry_warehouse("KHO-2")
