"""The identity provider's token factory (tests/support/idp_tokens.py) gives what the local one gives, from Keycloak:
the principal a service reads from its token is exactly the spec asked for, a person asked for in another role or
scope is that same account changed, and the suites' services trust both issuers and nothing else."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_shared.auth import Principal, Role
from tangvat_shared.errors import Unauthenticated
from tests.support.idp_tokens import IdpTokens
from tests.support.tokens import TokenFactory, verifier_for


async def _principal(keys_dir: Path, token: str) -> Principal:
    return await verifier_for(keys_dir).principal(token)


async def test_the_token_names_exactly_the_role_and_scopes_asked_for(idp_tokens: IdpTokens, keys_dir: Path,
                                                                     local_token: TokenFactory) -> None:
    staff = idp_tokens("warehouse_staff", user="idp-staff", units=("QLTT-BN",), warehouses=("KHO-BN-01",))
    assert jwt.decode(staff, options={"verify_signature": False})["iss"] == idp_tokens.identity.issuer
    assert await _principal(keys_dir, staff) == Principal("idp-staff", frozenset({Role.WAREHOUSE_STAFF}),
                                                          frozenset({"KHO-BN-01"}), frozenset({"QLTT-BN"}))
    assert idp_tokens("warehouse_staff", user="idp-staff", units=("QLTT-BN",), warehouses=("KHO-BN-01",)) == staff
    # The same person in another role and unit: the account changes, the earlier token stays what it was.
    member = idp_tokens("board_member", user="idp-staff", units=("QLTT-HN",), warehouses=())
    assert await _principal(keys_dir, member) == Principal("idp-staff", frozenset({Role.BOARD_MEMBER}),
                                                           frozenset(), frozenset({"QLTT-HN"}))
    assert (await _principal(keys_dir, staff)).roles == {Role.WAREHOUSE_STAFF}
    back = idp_tokens("auditor", user="IDP-Staff ", units=("*",), warehouses=("*",))
    assert await _principal(keys_dir, back) == Principal("idp-staff", frozenset({Role.AUDITOR}), frozenset({"*"}),
                                                         frozenset({"*"}))
    # The local issuer's tokens keep working beside Keycloak's.
    assert (await _principal(keys_dir, local_token("auditor", user="local-1"))).user_id == "local-1"


async def test_a_token_of_an_issuer_nobody_bound_is_refused(idp_tokens: IdpTokens, keys_dir: Path,
                                                            auth_key: Ed25519PrivateKey) -> None:
    claims = jwt.decode(idp_tokens("auditor", user="idp-auditor"), options={"verify_signature": False})
    forged = jwt.encode({**claims, "iss": "https://elsewhere.test/realms/tangvat"}, auth_key,
                        algorithm="EdDSA")
    with pytest.raises(Unauthenticated) as refused:
        await _principal(keys_dir, forged)
    assert refused.value.code == "token_invalid"
