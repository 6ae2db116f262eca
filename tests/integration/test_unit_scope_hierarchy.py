"""The unit scope hierarchy on the running world (intake, custody, disposal on real Kafka and PostgreSQL): a
provincial department (QLTT-BN) sees and acts on its team's (QLTT-BN-D01) seizures, items, batches and lists; a
team sees neither its sibling's (QLTT-BN-D02) nor its department's, answered as the unknown ids they are for it.

Every caller's token comes from the `token` fixture, here the identity provider's (Keycloak's) tokens."""

from __future__ import annotations

import uuid
from typing import Any

import demo_data as factories
import httpx
import pytest

from tangvat_disposal import reads
from tangvat_shared.db import connect
from tangvat_shared.labels import sign_label
from tangvat_shared.units import sql_filter
from tests.support.identity import Identity
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import (
    BIN,
    WAREHOUSE,
    Seizure,
    SeizureFactory,
    World,
    fetch,
    member,
    staff,
    wait_read_model,
)

DEPARTMENT, TEAM, SIBLING, NATION = "QLTT-BN", "QLTT-BN-D01", "QLTT-BN-D02", "QLTT"
TEAM_BOARD = ["d01-chair", "d01-2", "d01-3"]
REASON = "Hàng giả, không còn giá trị sử dụng"


def officer(token: TokenFactory, *units: str) -> dict[str, str]:
    return bearer(token("intake_officer", user=f"h-officer-{units[0].lower()}", units=units))


def auditor(token: TokenFactory, *units: str) -> dict[str, str]:
    return bearer(token("auditor", user=f"h-auditor-{units[0].lower()}", units=units))


async def team_seizure(world: World, token: TokenFactory, n: int = 2) -> Seizure:
    """A seizure registered by the team for itself, confiscated, checked in and known to disposal."""
    body = factories.seizure(n, unit=TEAM, warehouse=WAREHOUSE, categories=[("counterfeit", n)])
    r = await world.intake.post("/seizures", json=body, headers=officer(token, TEAM))
    assert r.status_code == 201, r.text
    seizure_id = r.json()["seizure_id"]
    r = await world.intake.post(f"/seizures/{seizure_id}/legal-status", headers=officer(token, TEAM), json={
        "status": "confiscated", "decision_number": "QĐ-7/2022", "decided_on": "2022-09-01",
        "issued_by": "Chi cục QLTT Bắc Ninh"})
    assert r.status_code == 201, r.text

    async def arrived() -> list[Any] | None:
        rows = await fetch(world.custody_dsn, "SELECT * FROM item WHERE seizure_id = $1 ORDER BY label_code",
                           uuid.UUID(seizure_id))
        return rows if len(rows) == n else None

    rows = await eventually(arrived, what="the team's items in custody")
    for row in rows:
        label = sign_label(world.intake_key, row["item_id"], row["label_code"])
        r = await world.custody.post("/scans/check-in", headers=staff(token), json={"label": label,
                                                                                    "location_code": BIN})
        assert r.status_code == 200, r.text
    await wait_read_model(world, seizure_id, n, "in_storage", "confiscated")
    return Seizure(seizure_id, [dict(r) for r in rows])


@pytest.fixture(scope="module")
async def team_board(world: World, token: TokenFactory) -> None:
    admin = bearer(token("admin", user="h-admin", units=("*",), warehouses=("*",)))
    r = await world.disposal.put(f"/boards/{TEAM}", headers=admin,
                                 json={"members": TEAM_BOARD, "quorum": 2, "rejections_to_reject": 2})
    assert r.status_code == 200, r.text


async def _same_as_unknown(client: httpx.AsyncClient, path: str, known_id: str, headers: dict[str, str],
                           method: str = "GET", json: Any = None) -> None:
    """The answer about `known_id` equals that about an id nobody registered, the id swapped."""
    nobody = str(uuid.uuid4())
    seen = await client.request(method, path.format(known_id), headers=headers, json=json)
    unknown = await client.request(method, path.format(nobody), headers=headers, json=json)
    assert seen.status_code == unknown.status_code == 404, (path, seen.text)
    assert seen.text.replace(known_id, "ID") == unknown.text.replace(nobody, "ID"), path


async def test_unit_scope_a_department_reads_and_corrects_its_teams_seizure_a_sibling_team_sees_nothing(
    world: World, token: TokenFactory, seizure: SeizureFactory,
) -> None:
    team = await team_seizure(world, token)
    item = team.ids(0)[0]
    reads_of = [f"/seizures/{team.seizure_id}", f"/seizures/{team.seizure_id}/items", f"/items/{item}",
                f"/items/{item}/history", f"/seizures/{team.seizure_id}/labels.pdf"]
    for headers in (officer(token, DEPARTMENT), auditor(token, DEPARTMENT), auditor(token, NATION),
                    officer(token, TEAM)):
        for path in reads_of:
            r = await world.intake.get(path, headers=headers)
            assert r.status_code == 200, (path, r.text)
    # The department's officer corrects the team's item (an act, not only a read).
    r = await world.intake.post(f"/items/{item}/corrections", headers=officer(token, DEPARTMENT),
                                json={"description": "Túi xách giả (đã kiểm lại)", "reason": "kiểm đếm lại"})
    assert r.status_code == 201, r.text
    # A sibling team, and a look-alike code, see nothing of it: the very answer an unknown id gets.
    for headers in (officer(token, SIBLING), auditor(token, "QLTT-BNH"), auditor(token, "QLTT-BN-D0")):
        await _same_as_unknown(world.intake, "/seizures/{}", team.seizure_id, headers)
        await _same_as_unknown(world.intake, "/items/{}", item, headers)
        await _same_as_unknown(world.intake, "/items/{}/history", item, headers)
    for headers in (officer(token, SIBLING), officer(token, "QLTT-BNH")):
        await _same_as_unknown(world.intake, "/items/{}/corrections", item, headers, "POST",
                               {"description": "x", "reason": "kiểm lại"})
        await _same_as_unknown(world.intake, "/seizures/{}/corrections", team.seizure_id, headers, "POST",
                               {"notes": "x", "reason": "kiểm lại"})
    # The team does not see its department's seizure.
    department = await seizure([("counterfeit", 1)], check_in=False)
    await _same_as_unknown(world.intake, "/seizures/{}", department.seizure_id, officer(token, TEAM))
    await _same_as_unknown(world.intake, "/items/{}", department.ids(0)[0], auditor(token, TEAM))
    # Registering for a unit outside the caller's scope names the unit itself: 403, and nothing is written.
    body = factories.seizure(1, unit=DEPARTMENT, warehouse=WAREHOUSE)
    r = await world.intake.post("/seizures", json=body, headers=officer(token, TEAM))
    assert r.status_code == 403 and r.json()["error"]["code"] == "unit_scope", r.text


async def test_unit_scope_a_departments_board_member_holds_its_teams_item_a_teams_not_its_departments(
    world: World, token: TokenFactory, seizure: SeizureFactory,
) -> None:
    team = await team_seizure(world, token, 1)
    department = await seizure([("counterfeit", 1)])

    def board_member(unit: str) -> dict[str, str]:
        return bearer(token("board_member", user=f"h-board-{unit.lower()}", units=(unit,), warehouses=(WAREHOUSE,)))

    item = team.ids(0)[0]
    r = await world.custody.post(f"/items/{item}/legal-hold", headers=board_member(DEPARTMENT), json={"reason": "r"})
    assert r.status_code == 200, r.text
    r = await world.custody.post(f"/items/{item}/legal-hold/lift", headers=board_member(DEPARTMENT),
                                 json={"reason": "r"})
    assert r.status_code == 200, r.text
    for path in ("/items/{}/legal-hold", "/items/{}/legal-hold/lift"):
        await _same_as_unknown(world.custody, path, department.ids(0)[0], board_member(TEAM), "POST",
                               {"reason": "r"})
        await _same_as_unknown(world.custody, path, item, board_member(SIBLING), "POST", {"reason": "r"})
    rows = await fetch(world.custody_dsn, "SELECT on_hold FROM item WHERE item_id = ANY($1::uuid[])",
                       [uuid.UUID(item), uuid.UUID(department.ids(0)[0])])
    assert [r["on_hold"] for r in rows] == [False, False]


async def test_unit_scope_a_departments_board_disposes_of_its_teams_items_and_sees_the_teams_batches(
    world: World, token: TokenFactory, seizure: SeizureFactory, team_board: None,
) -> None:
    team = await team_seizure(world, token, 3)
    # The department's board proposes one of the team's items (a department decides for its teams).
    r = await world.disposal.post("/batches", headers=member(token, units=(DEPARTMENT,)), json={
        "unit": DEPARTMENT, "method": "destroy", "reason": REASON, "item_ids": team.ids(0)})
    assert r.status_code == 201, r.text
    department_batch = r.json()["batch_id"]
    # The team's own board proposes the rest.
    team_member = member(token, TEAM_BOARD[0], units=(TEAM,))
    r = await world.disposal.post("/batches", headers=team_member, json={
        "unit": TEAM, "method": "destroy", "reason": REASON, "item_ids": team.ids(1, 2)})
    assert r.status_code == 201, r.text
    assert r.json()["details"]["item_count"] == 2
    team_batch = r.json()["batch_id"]

    department_member = member(token, units=(DEPARTMENT,))
    for path in (f"/batches/{team_batch}", f"/batches/{team_batch}/items", f"/items/{team.ids(1)[0]}"):
        r = await world.disposal.get(path, headers=department_member)
        assert r.status_code == 200, (path, r.text)
    listed = await world.disposal.get("/batches", params={"limit": 500}, headers=department_member)
    assert {team_batch, department_batch} <= {b["batch_id"] for b in listed.json()}

    # The team lists its own batches only; the department's batch, a sibling's view: unknown ids.
    team_list = await world.disposal.get("/batches", params={"limit": 500}, headers=team_member)
    assert team_batch in {b["batch_id"] for b in team_list.json()}
    assert {b["unit"] for b in team_list.json()} == {TEAM}
    await _same_as_unknown(world.disposal, "/batches/{}", department_batch, team_member)
    await _same_as_unknown(world.disposal, "/batches/{}/items", department_batch, team_member)
    sibling = member(token, "d02-chair", units=(SIBLING,))
    await _same_as_unknown(world.disposal, "/batches/{}", team_batch, sibling)
    await _same_as_unknown(world.disposal, "/items/{}", team.ids(1)[0], sibling)
    sibling_list = await world.disposal.get("/batches", params={"limit": 500}, headers=sibling)
    assert sibling_list.status_code == 200 and sibling_list.json() == []
    # A member of the department's board votes on the department's batch; the team's member may not even see it.
    r = await world.disposal.post(f"/batches/{department_batch}/votes", headers=member(token, TEAM_BOARD[1],
                                                                                      units=(TEAM,)),
                                  json={"decision": "approve", "reason": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_batch", r.text


async def test_unknown_item_a_teams_board_proposes_none_of_its_departments_items_and_lists_no_other_ids(
    world: World, token: TokenFactory, seizure: SeizureFactory, team_board: None,
) -> None:
    department = await seizure([("counterfeit", 3)])
    team_member = member(token, TEAM_BOARD[0], units=(TEAM,))
    asked = department.ids(0)
    r = await world.disposal.post("/batches", headers=team_member, json={
        "unit": TEAM, "method": "destroy", "reason": REASON, "item_ids": asked})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "ineligible_items"
    assert error["details"]["refusals"] == [
        {"item_id": asked[0], "rule": "unknown_item", "detail": "no intake registration seen for this item"}]
    for other in department.ids(1, 2):  # the seizure's other items are named nowhere
        assert other not in r.text
    assert DEPARTMENT not in r.text
    # A filter over the department's seizure matches nothing for the team's board.
    r = await world.disposal.post("/batches", headers=team_member, json={
        "unit": TEAM, "method": "destroy", "reason": REASON, "filter": {"seizure_id": department.seizure_id}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_items", r.text
    assert not any(i in r.text for i in department.all_ids)
    # The team's member cannot propose to the department's board either: a unit above its scope.
    r = await world.disposal.post("/batches", headers=team_member, json={
        "unit": DEPARTMENT, "method": "destroy", "reason": REASON, "item_ids": asked})
    assert r.status_code == 403 and r.json()["error"]["code"] == "unit_scope", r.text
    rows = await fetch(world.disposal_dsn, "SELECT batch_id FROM item WHERE item_id = ANY($1::uuid[])",
                       [uuid.UUID(i) for i in department.all_ids])
    assert [r["batch_id"] for r in rows] == [None, None, None]


async def test_unit_scope_the_batch_list_filter_escapes_like_wildcards(
    world: World, token: TokenFactory, team_board: None,
) -> None:
    team = await team_seizure(world, token, 1)
    r = await world.disposal.post("/batches", headers=member(token, TEAM_BOARD[0], units=(TEAM,)), json={
        "unit": TEAM, "method": "destroy", "reason": REASON, "item_ids": team.ids(0)})
    assert r.status_code == 201, r.text
    conn = await connect(world.disposal_dsn)
    try:
        async def units_of(*scopes: str) -> set[str]:
            return {row["unit"] for row in await reads.list_batches(conn, sql_filter(scopes), None, 10_000)}

        assert {DEPARTMENT, TEAM} <= await units_of(DEPARTMENT)
        assert await units_of(TEAM) == {TEAM}
        # `_` and `%` in a scope are the characters themselves, not LIKE's wildcards.
        for scope in ("QLTT-B_", "QLTT-B%", "QLTT-BN-D0_", "%", "_"):
            assert await units_of(scope) == set(), scope
        assert await units_of() == set()
    finally:
        await conn.close()


async def test_unit_scope_make_demos_hierarchy_its_group_accounts_signed_in_at_keycloak(
    world: World, token: TokenFactory, seizure: SeizureFactory, identity: Identity,
) -> None:
    """make demo's part, with the realm's own demo accounts: their scopes come from their unit groups only."""
    from demo_hierarchy import show_hierarchy

    department = await seizure([("counterfeit", 1)], check_in=False)
    token("auditor", user="h-binds-the-issuer")  # the services trust the provider's tokens once the factory ran

    def token_for(role: str, user: str, units: list[str], warehouses: list[str]) -> str:
        return identity.access_token(user)

    shown = await show_hierarchy(world.intake, token_for, department.seizure_id)
    assert shown["read_by"] == {"auditor-bn (QLTT-BN)": 200, "auditor-qltt (QLTT)": 200}
    assert shown["officer-bn-d01 (QLTT-BN-D01) reads the department's seizure"] == 404
    rows = await fetch(world.intake_dsn, "SELECT seizing_unit FROM seizure WHERE seizure_id = $1",
                       uuid.UUID(shown["team_seizure"]["seizure_id"]))
    assert rows[0]["seizing_unit"] == TEAM
