"""Access tokens from the real identity provider (Keycloak, the repository's realm) against the verifier every
service uses: who is admitted, what is refused, a rotated key, a disabled account."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tangvat_shared.auth import Role
from tangvat_shared.errors import Unauthenticated
from tangvat_shared.oidc import OidcKeys, OidcTokenVerifier
from tests.support.identity import Identity
from tests.support.waiting import eventually


def verifier_for(identity: Identity) -> OidcTokenVerifier:
    return OidcTokenVerifier(OidcKeys(identity.issuer, min_refresh_seconds=0.5), audience="tangvat")


async def test_each_demo_account_signs_in_as_its_role_and_scopes(identity: Identity) -> None:
    verifier = verifier_for(identity)
    staff = await verifier.principal(identity.access_token("staff-bn"))
    assert staff.user_id == "staff-bn" and staff.roles == {Role.WAREHOUSE_STAFF}
    assert staff.warehouses == {"KHO-BN-01"} and staff.units == {"QLTT-BN"}
    board = await verifier.principal(identity.access_token("board1-bn"))  # its TOTP code computed by the test
    assert board.roles == {Role.BOARD_MEMBER}  # the provider's mfa_required role is not ours: left out


async def test_a_board_member_without_the_one_time_code_is_refused(identity: Identity) -> None:
    from tangvat_infra.keycloak import password_grant
    from tangvat_infra.processes import InfraError

    with pytest.raises(InfraError, match="refused"):
        password_grant(identity.issuer, "board1-bn")


async def test_refresh_and_id_tokens_and_altered_tokens_are_refused(identity: Identity) -> None:
    verifier = verifier_for(identity)
    tokens = identity.tokens("staff-bn")
    for other in (tokens["refresh_token"], tokens["id_token"]):
        with pytest.raises(Unauthenticated):
            await verifier.principal(str(other))
    head, payload, signature = str(tokens["access_token"]).split(".")
    with pytest.raises(Unauthenticated):
        await verifier.principal(f"{head}.{payload}.{signature[:-4]}AAAA")


async def test_a_token_for_another_audience_is_refused(identity: Identity) -> None:
    verifier = OidcTokenVerifier(OidcKeys(identity.issuer), audience="another-system")
    with pytest.raises(Unauthenticated, match="invalid token"):
        await verifier.principal(identity.access_token("staff-bn"))


async def test_a_key_rotated_in_the_provider_is_accepted_without_a_restart(identity: Identity) -> None:
    verifier = verifier_for(identity)
    before = identity.access_token("staff-bn")
    await verifier.principal(before)  # the old key is cached
    realm = identity.admin("GET", "")
    config = {"priority": [str(time.time_ns() // 1000)], "keySize": ["2048"], "algorithm": ["RS256"]}
    identity.admin("POST", "/components", {
        "name": f"rotated-{time.time_ns()}", "providerId": "rsa-generated",
        "providerType": "org.keycloak.keys.KeyProvider", "parentId": realm["id"], "config": config})
    after = identity.access_token("staff-bn")
    import jwt

    assert jwt.get_unverified_header(after)["kid"] != jwt.get_unverified_header(before)["kid"]

    async def accepted() -> str | None:
        # The same verifier, no restart: it refetches the provider's keys for the unknown kid, at most every
        # min_refresh_seconds (0.5 s here), so a token presented within that interval of the last fetch (the
        # admin calls above can take less) is accepted at the next one.
        try:
            return (await verifier.principal(after)).user_id
        except Unauthenticated:
            return None

    assert await eventually(accepted, timeout=10, interval=0.2, what="the rotated key to be fetched") == "staff-bn"


async def test_a_disabled_account_loses_access_within_the_token_lifetime(identity: Identity) -> None:
    realm: dict[str, Any] = identity.admin("GET", "")
    lifespan = realm["accessTokenLifespan"]
    identity.admin("PUT", "", {"accessTokenLifespan": 5})
    user_id = identity.user_id("staff2-bn")
    try:
        tokens = identity.tokens("staff2-bn")
        verifier = OidcTokenVerifier(OidcKeys(identity.issuer), audience="tangvat", leeway_seconds=0)
        assert (await verifier.principal(str(tokens["access_token"]))).user_id == "staff2-bn"
        identity.admin("PUT", f"/users/{user_id}", {"enabled": False})
        from tangvat_infra.processes import InfraError

        with pytest.raises(InfraError):  # no new token by password...
            identity.tokens("staff2-bn")
        assert identity.refresh(str(tokens["refresh_token"])) == 400  # ...nor by refresh

        async def refused() -> bool:
            try:
                await verifier.principal(str(tokens["access_token"]))
            except Unauthenticated:
                return True
            return False

        await eventually(refused, timeout=30, interval=0.5, what="the access token to expire")
        assert realm["accessTokenLifespan"] <= 300  # the realm's own lifetime: five minutes at most
    finally:
        identity.admin("PUT", f"/users/{user_id}", {"enabled": True})
        identity.admin("PUT", "", {"accessTokenLifespan": lifespan})
