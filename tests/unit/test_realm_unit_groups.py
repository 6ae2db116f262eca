"""The realm file's unit groups: how an account's unit scope reaches its token (read without a server)."""

from __future__ import annotations

import json
from typing import Any

from tangvat_infra.keycloak import REALM_FILE

from tangvat_shared.units import parent

REALM: dict[str, Any] = json.loads(REALM_FILE.read_text())


def test_unit_groups_are_top_level_each_naming_its_own_unit() -> None:
    # Keycloak aggregates a nested group's parents' attributes into its members' units: a team nested in its
    # department would carry the department's scope. The hierarchy is in the codes, the groups are flat.
    groups = REALM["groups"]
    assert groups
    for group in groups:
        assert group["subGroups"] == [] and group["path"] == f"/{group['name']}"
        assert group["attributes"]["units"] == [group["name"]]
    names = {g["name"] for g in groups}
    for name in names:  # every department and nation of a team is a group too
        above = parent(name)
        assert above is None or above in names, name


def test_every_units_claim_mapper_adds_group_units_to_the_accounts_own() -> None:
    mappers = [m for c in REALM["clients"] for m in c.get("protocolMappers", []) if m["name"] == "units"]
    assert len(mappers) == len([c for c in REALM["clients"] if c.get("protocolMappers")])
    for mapper in mappers:
        assert mapper["protocolMapper"] == "oidc-usermodel-attribute-mapper"
        assert mapper["config"]["aggregate.attrs"] == "true" and mapper["config"]["multivalued"] == "true"


def test_demo_accounts_of_the_hierarchy_are_members_of_existing_groups() -> None:
    paths = {g["path"] for g in REALM["groups"]}
    members = {u["username"]: u["groups"] for u in REALM["users"] if u.get("groups")}
    assert members == {"officer-bn-d01": ["/QLTT-BN-D01"], "auditor-bn": ["/QLTT-BN"], "auditor-qltt": ["/QLTT"]}
    assert all(set(g) <= paths for g in members.values())
