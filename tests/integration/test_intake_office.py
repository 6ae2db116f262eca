"""The intake office on the real broker and database: a CSV's every bad line named in one pass with its line in
the file, a destination warehouse custody never registered refused until custody registers it (intake learns it
from custody.warehouse_registered on Kafka), and the seizure search with diacritics optional, within the caller's
units, by trigram index."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import demo_data as factories
import httpx

from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import UNIT, WAREHOUSE, World, fetch

HEADER = "category,description,quantity,unit,value_vnd,label_code,warehouse_id,brand\n"


def officer(token: TokenFactory, unit: str = UNIT) -> dict[str, str]:
    return bearer(token("intake_officer", user=f"officer-{unit.lower()}", units=(unit,)))


async def _upload(world: World, token: TokenFactory, csv: str, **fields: Any) -> httpx.Response:
    return await world.intake.post("/seizures/csv", headers=officer(token, fields.get("seizing_unit", UNIT)),
                                   data={"seizure": json.dumps({**factories.seizure_fields(), **fields})},
                                   files={"items": ("items.csv", csv.encode(), "text/csv")})


async def _counts(world: World) -> tuple[int, int]:
    (row,) = await fetch(world.intake_dsn, "SELECT (SELECT count(*) FROM seizure) s, (SELECT count(*) FROM item) i")
    return row["s"], row["i"]


async def test_a_csv_names_every_bad_line_in_one_pass_and_an_unknown_warehouse_until_custody_registers_it(
        world: World, local_token: TokenFactory) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    new_warehouse = f"KHO-NEW-{tag}"
    csv = HEADER + (
        f"counterfeit,Túi xách giả,3,cái,450000,{tag}-1,{WAREHOUSE},Gucci\n"
        f"counterfeit,Túi xách giả,3,cái,450000,{tag}-1,{WAREHOUSE},Gucci\n"   # line 3: line 2's label again
        f"smuggled,Rượu ngoại,2,chai,900000,{tag}-3,{new_warehouse},\n"        # line 4: custody knows no such one
        f"counterfeit,Đồng hồ,１２,chiếc,abc,{tag}-4,{WAREHOUSE},\n"          # line 5: two numbers that are not
    )
    before = await _counts(world)
    refused = await _upload(world, local_token, csv)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_csv"
    assert [(d["line"], d["field"], d["code"], d["value"]) for d in error["details"]] == [
        (3, "label_code", "duplicate_in_file", f"{tag}-1"),
        (4, "warehouse_id", "unknown_warehouse", new_warehouse),
        (5, "quantity", "not_a_number", "１２"),
        (5, "value_vnd", "not_a_number", "abc"),
    ]
    assert error["details"][0]["first_line"] == 2
    assert await _counts(world) == before

    admin = bearer(local_token("admin", user="admin-1", units=("*",), warehouses=("*",)))
    r = await world.custody.post("/warehouses", json={"warehouse_id": new_warehouse, "name": "Kho mới"}, headers=admin)
    assert r.status_code == 201, r.text
    good = HEADER + (f"counterfeit,Túi xách giả,3,cái,450000,{tag}-1,{WAREHOUSE},Gucci\n"
                     f"smuggled,Rượu ngoại,2,chai,900000,{tag}-3,{new_warehouse},\n")

    async def accepted() -> httpx.Response | None:
        answer = await _upload(world, local_token, good)
        return answer if answer.status_code == 201 else None

    created = await eventually(accepted, what="intake to learn the new warehouse from custody")
    assert created.json()["item_count"] == 2
    assert created.headers["location"] == f"/seizures/{created.json()['seizure_id']}"

    again = await _upload(world, local_token, good)  # the same labels once more: in use now, named by line
    assert [(d["line"], d["code"]) for d in again.json()["error"]["details"]] == [(2, "label_in_use"),
                                                                                  (3, "label_in_use")]


async def _register(world: World, token: TokenFactory, unit: str, **fields: Any) -> str:
    brand = fields.pop("brand", None) or "Chanel"
    body = {**factories.seizure_fields(unit), **fields, "items": factories.items(2)}
    body["items"][0]["brand"] = brand
    r = await world.intake.post("/seizures", json=body, headers=officer(token, unit))
    assert r.status_code == 201, r.text
    seizure_id: str = r.json()["seizure_id"]
    return seizure_id


async def _found(world: World, headers: dict[str, str], **query: str) -> list[str]:
    r = await world.intake.get("/seizures", params=query, headers=headers)
    assert r.status_code == 200, r.text
    return [s["record_number"] for s in r.json()["seizures"]]


async def test_the_search_matches_without_diacritics_within_the_callers_units_and_pages(
        world: World, local_token: TokenFactory) -> None:
    tag = uuid.uuid4().hex[:8]
    bn = f"BB-{tag}-BN"
    await _register(world, local_token, UNIT, record_number=bn, province="Bắc Ninh", case_id=f"INS-{tag}-Ả",
                    seized_at="2026-11-25T08:00:00+07:00", brand="Gucci Việt",
                    offender={"kind": "person", "name": "Nguyễn Thị Hoà", "id_number": f"0{tag}"})
    bn_team = f"BB-{tag}-D01"
    await _register(world, local_token, f"{UNIT}-D01", record_number=bn_team, province="Bắc Ninh",
                    seized_at="2026-11-24T23:30:00+07:00")
    hn = f"BB-{tag}-HN"
    await _register(world, local_token, "QLTT-HN", record_number=hn, province="Hà Nội", address="Phố Huế, Hà Nội",
                    seized_at="2026-11-25T09:00:00+07:00")

    mine = officer(local_token)  # QLTT-BN: its team QLTT-BN-D01 below it too, never QLTT-HN
    assert await _found(world, mine, q="bac ninh", record_number=tag) == [bn, bn_team]
    assert await _found(world, mine, record_number=tag) == [bn, bn_team]
    assert await _found(world, officer(local_token, f"{UNIT}-D01"), record_number=tag) == [bn_team]
    assert await _found(world, officer(local_token, "QLTT-HN"), q="BẮC NINH", record_number=tag) == []
    auditor = bearer(local_token("auditor", user="auditor-all", units=("*",)))
    assert await _found(world, auditor, record_number=tag) == [hn, bn, bn_team]
    assert await _found(world, auditor, q="ha noi", record_number=tag) == [hn]

    assert await _found(world, mine, brand="gucci viet") == [bn]
    assert await _found(world, mine, offender="nguyen thi hoa", record_number=tag) == [bn]
    assert await _found(world, mine, offender=f"0{tag}") == [bn]
    assert await _found(world, mine, case_id=f"ins-{tag}-a") == [bn]
    # Days of Vietnam time: 23:30 on the 24th (+07:00) is the 24th there, though the 24th in UTC too.
    assert await _found(world, mine, record_number=tag, **{"from": "2026-11-25", "to": "2026-11-25"}) == [bn]
    assert await _found(world, mine, record_number=tag, to="2026-11-24") == [bn_team]
    assert await _found(world, mine, record_number=tag, warehouse_id=WAREHOUSE) == [bn, bn_team]
    assert await _found(world, mine, record_number=tag, warehouse_id="KHO-HN-09") == []

    first = await world.intake.get("/seizures", params={"record_number": tag, "limit": 1}, headers=mine)
    page = first.json()
    assert [s["record_number"] for s in page["seizures"]] == [bn] and page["next_after"]
    assert await _found(world, mine, record_number=tag, after=page["next_after"], limit="1") == [bn_team]

    (seizure_id,) = [s["seizure_id"] for s in page["seizures"]]
    r = await world.intake.post(f"/seizures/{seizure_id}/legal-status", headers=mine, json={
        "status": "confiscated", "decision_number": f"QĐ-{tag}", "decided_on": "2026-11-26", "issued_by": "Chi cục"})
    assert r.status_code == 201, r.text
    assert await _found(world, mine, record_number=tag, state="confiscated") == [bn]
    assert await _found(world, mine, record_number=tag, state="undecided") == [bn_team]
    r = await world.intake.post(f"/seizures/{seizure_id}/corrections", headers=mine,
                                json={"province": "Thừa Thiên Huế", "reason": "ghi nhầm tỉnh"})
    assert r.status_code == 201, r.text
    assert await _found(world, mine, q="thua thien hue", record_number=tag) == [bn]

    refused = await world.intake.get("/seizures", params={"from": "2026-11-25", "to": "2026-11-01"}, headers=mine)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_date_range")
    staff = bearer(local_token("warehouse_staff", user="kho-1"))
    assert (await world.intake.get("/seizures", headers=staff)).status_code == 403


async def test_the_searched_columns_are_read_through_their_trigram_indexes(world: World) -> None:
    conn = await asyncpg.connect(world.intake_dsn)
    try:
        await conn.execute("SET enable_seqscan = off")
        for column, index in (("search_folded", "seizure_search_trgm"), ("offender_folded", "seizure_offender_trgm"),
                              ("record_folded", "seizure_record_trgm"), ("case_folded", "seizure_case_trgm")):
            plan = "\n".join(r[0] for r in await conn.fetch(
                f"EXPLAIN SELECT seizure_id FROM seizure WHERE {column} LIKE '%bac ninh%'"))
            assert index in plan, plan
        plan = "\n".join(r[0] for r in await conn.fetch(
            "EXPLAIN SELECT seizure_id FROM item WHERE brand IS NOT NULL AND brand_folded LIKE '%gucci%'"))
        assert "item_brand_trgm" in plan, plan
        assert await conn.fetchval("SELECT tv_fold('Bắc  NINH, Đồng Hới')") == "bac ninh, dong hoi"
    finally:
        await conn.close()
