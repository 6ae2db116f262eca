"""Search by printed label code or description across the warehouses a caller's scope covers (`GET /items?q=`):
indexed (a trigram index over the folded code and description), any case, diacritics optional ("bac ninh" finds
"Bắc Ninh"). Staff of one warehouse never see another's items; an auditor of `*` and a leader over two warehouses
find them in each."""

from __future__ import annotations

import uuid

import httpx

from tangvat_custody import reads
from tangvat_shared.db import connect
from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import OTHER_WAREHOUSE, WAREHOUSE, SeedFactory, staff


async def test_staff_find_only_their_warehouses_items_and_an_auditor_finds_every_warehouses_by_code_or_words(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory,
) -> None:
    tag = uuid.uuid4().hex[:8]  # only this test's items carry it
    ours = await seed(1, description=f"Bình gốm Bắc Ninh lô {tag}")
    theirs = await seed(1, warehouse=OTHER_WAREHOUSE, description=f"Bình gốm Bắc Ninh lô {tag}")
    auditor = bearer(token("auditor", user="kiem-toan-1", units=("*",), warehouses=("*",)))
    leader = bearer(token("board_member", user="truong-tinh", units=("QLTT-BN",),
                          warehouses=(WAREHOUSE, OTHER_WAREHOUSE)))
    elsewhere = staff(token, user="staff-dn", warehouses=("KHO-DN-09",))

    async def found(q: str, who: dict[str, str]) -> set[str]:
        r = await custody_client.get("/items", params={"q": q, "limit": 1000}, headers=who)
        assert r.status_code == 200, r.text
        return {i["item_id"] for i in r.json()["items"]}

    both = {ours.item_id(0), theirs.item_id(0)}
    for q in (f"bac ninh lo {tag}", f"BẮC NINH LÔ {tag}", f"binh gom bac ninh lo {tag}"):
        assert await found(q, staff(token)) == {ours.item_id(0)}, q
        assert await found(q, auditor) == both, q
        assert await found(q, leader) == both, q
        assert await found(q, elsewhere) == set(), q
    # By the printed code, in any case: the auditor finds it in its warehouse, the other warehouse's staff do not.
    code = theirs.items[0]["label_code"]
    assert await found(code.lower(), auditor) == {theirs.item_id(0)}
    assert await found(code, staff(token)) == set()
    assert await found(code, staff(token, user="staff-hn", warehouses=(OTHER_WAREHOUSE,))) == {theirs.item_id(0)}
    # The warehouse's own search folds the same way.
    r = await custody_client.get(f"/warehouses/{WAREHOUSE}/items", params={"q": f"bac ninh lo {tag}"},
                                 headers=staff(token))
    assert [i["item_id"] for i in r.json()["items"]] == [ours.item_id(0)]
    # Wildcards typed by a person match only themselves; no words, or too many, are refused in words' codes.
    assert await found("%", auditor) == set() and await found("_", auditor) == set()
    assert (await custody_client.get("/items", headers=auditor)).status_code == 422
    assert (await custody_client.get("/items", params={"q": "x" * 101}, headers=auditor)).status_code == 422


async def test_the_search_is_served_by_the_trigram_index(custody_dsn: str) -> None:
    conn = await connect(custody_dsn)
    try:
        await conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch(
            f"EXPLAIN SELECT * FROM item WHERE {reads._MATCHES.format(q='$1::text')}", "%bac ninh%"))
    finally:
        await conn.close()
    assert "item_search" in plan, plan
