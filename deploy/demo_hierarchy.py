"""`make demo`'s unit hierarchy: a team registers a seizure, its department and the nation read it, the team does
not read its department's (the demo accounts of the realm's unit groups, or local tokens of the same scopes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from demo_data import seizure

# (role, user, units, warehouses) -> a bearer token: the stack's, from Keycloak's demo account when it has one.
TokenFor = Callable[[str, str, list[str], list[str]], str]
TEAM, DEPARTMENT, NATION = "QLTT-BN-D01", "QLTT-BN", "QLTT"


def show_hierarchy_at(intake_url: str, token_for: TokenFor, department_seizure_id: str) -> dict[str, Any]:
    """`show_hierarchy` against the intake service at `intake_url` (the command line's entry)."""
    async def shown() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=intake_url, timeout=60) as client:
            return await show_hierarchy(client, token_for, department_seizure_id)

    return asyncio.run(shown())


async def show_hierarchy(client: httpx.AsyncClient, token_for: TokenFor, department_seizure_id: str
                         ) -> dict[str, Any]:
    """What each level of the hierarchy gets for a team's seizure and for its department's (HTTP statuses)."""
    team = token_for("intake_officer", "officer-bn-d01", [TEAM], ["KHO-BN-01"])
    department = token_for("auditor", "auditor-bn", [DEPARTMENT], [])
    nation = token_for("auditor", "auditor-qltt", [NATION], [])

    async def get(path: str, token: str) -> int:
        return (await client.get(path, headers={"Authorization": f"Bearer {token}"})).status_code

    body = seizure(3, unit=TEAM)
    body["record_number"] = f"{body['record_number']}-{TEAM}"
    created = await client.post("/seizures", json=body, headers={"Authorization": f"Bearer {team}"})
    created.raise_for_status()
    seizure_id = created.json()["seizure_id"]
    return {
        "team_seizure": {"seizing_unit": TEAM, "seizure_id": seizure_id, "registered_by": "officer-bn-d01"},
        "read_by": {f"auditor-bn ({DEPARTMENT})": await get(f"/seizures/{seizure_id}", department),
                    f"auditor-qltt ({NATION})": await get(f"/seizures/{seizure_id}", nation)},
        # A team does not see its department's data: the department's seizure is an unknown id to it.
        f"officer-bn-d01 ({TEAM}) reads the department's seizure": await get(f"/seizures/{department_seizure_id}",
                                                                             team),
    }
