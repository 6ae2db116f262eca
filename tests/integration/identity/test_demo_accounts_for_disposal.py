"""The demo accounts a destruction needs: the board member has the warehouse whose items it places legal holds on
(custody answers an item only within the caller's warehouses), and two witnesses of the unit sign in with a
password alone (auditors: no one-time code required) and confirm a destruction as themselves."""

from __future__ import annotations

from tangvat_infra.keycloak import password_grant

from tangvat_shared.auth import Role
from tangvat_shared.oidc import OidcKeys, OidcTokenVerifier
from tests.support.identity import Identity


def _verifier(identity: Identity) -> OidcTokenVerifier:
    return OidcTokenVerifier(OidcKeys(identity.issuer, min_refresh_seconds=0.5), audience="tangvat")


async def test_the_demo_board_member_works_in_the_warehouse_it_places_holds_in(identity: Identity) -> None:
    board = await _verifier(identity).principal(identity.access_token("board1-bn"))
    assert board.roles == {Role.BOARD_MEMBER}
    assert board.units == {"QLTT-BN"} and board.warehouses == {"KHO-BN-01"}


async def test_two_demo_witnesses_sign_in_as_auditors_of_the_unit_without_a_one_time_code(identity: Identity) -> None:
    verifier = _verifier(identity)
    for username in ("witness1-bn", "witness2-bn"):
        token = password_grant(identity.issuer, username)["access_token"]  # no TOTP asked of them
        witness = await verifier.principal(str(token))
        assert witness.user_id == username and witness.roles == {Role.AUDITOR}
        assert witness.units == {"QLTT-BN"} and witness.warehouses == frozenset()
