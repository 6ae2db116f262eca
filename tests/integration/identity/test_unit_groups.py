"""The unit hierarchy in the identity provider: an account gets its unit scope from its own `units` attribute and
from the unit groups it belongs to (`/QLTT-BN-D01`), and the token names the group's own unit only.

The unit groups are top-level, not nested: with its attributes aggregated, Keycloak 26 adds a group's parents'
attributes to a member's (KeycloakModelUtils.resolveAttribute), so a team nested under its department would
carry the department's and the nation's scopes. The hierarchy is in the codes (tangvat_shared.units)."""

from __future__ import annotations

import jwt

from tangvat_shared.oidc import OidcKeys, OidcTokenVerifier
from tests.support.identity import Account, Identity


def verifier_for(identity: Identity) -> OidcTokenVerifier:
    return OidcTokenVerifier(OidcKeys(identity.issuer), audience="tangvat")


async def test_a_group_members_units_claim_comes_from_its_group(identity: Identity) -> None:
    verifier = verifier_for(identity)
    # The realm's demo accounts of the hierarchy carry no units attribute of their own: only their group's.
    for username, unit in [("officer-bn-d01", "QLTT-BN-D01"), ("auditor-bn", "QLTT-BN"), ("auditor-qltt", "QLTT")]:
        token = identity.access_token(username)
        # The group's own unit, not its department's or the nation's: a scope reaches down, never up.
        assert jwt.decode(token, options={"verify_signature": False})["units"] == [unit], username
        assert (await verifier.principal(token)).units == {unit}, username
    team = await verifier.principal(identity.access_token("officer-bn-d01"))
    assert team.may_act_for_unit("QLTT-BN-D01") and not team.may_act_for_unit("QLTT-BN")
    department = await verifier.principal(identity.access_token("auditor-bn"))
    assert department.may_act_for_unit("QLTT-BN-D01") and not department.may_act_for_unit("QLTT-BNH")


async def test_an_accounts_own_units_and_its_groups_add_up(identity: Identity) -> None:
    identity.add_users([Account("team-and-hanoi", "auditor", units=("QLTT-HN",), groups=("/QLTT-BN-D01",)),
                        Account("two-groups", "auditor", groups=("/QLTT-BN-D01", "/QLTT-BN")),
                        Account("no-group", "auditor")])
    verifier = verifier_for(identity)
    assert (await verifier.principal(identity.access_token("team-and-hanoi"))).units == {"QLTT-HN", "QLTT-BN-D01"}
    assert (await verifier.principal(identity.access_token("two-groups"))).units == {"QLTT-BN", "QLTT-BN-D01"}
    assert (await verifier.principal(identity.access_token("no-group"))).units == frozenset()
