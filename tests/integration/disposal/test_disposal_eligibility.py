"""Eligibility through the API: per category and legal status, every refusal naming the rule and the item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.tokens import TokenFactory, bearer
from tests.support.world import UNIT, SeizureFactory, World, member, propose


def refused(body: dict[str, object]) -> dict[str, set[str]]:
    error = body["error"]
    assert isinstance(error, dict)
    by_item: dict[str, set[str]] = {}
    for refusal in error["details"]["refusals"]:
        by_item.setdefault(refusal["item_id"], set()).add(refusal["rule"])
    return by_item


async def test_counterfeit_goods_may_only_be_destroyed_and_smuggled_goods_may_be_auctioned(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 1), ("smuggled", 1)])
    fake, smuggled = seized.items[0], seized.items[1]
    if fake["category"] != "counterfeit":
        fake, smuggled = smuggled, fake
    r = await propose(world, token, [str(fake["item_id"]), str(smuggled["item_id"])], method="auction")
    assert r.status_code == 422 and r.json()["error"]["code"] == "ineligible_items"
    assert refused(r.json()) == {str(fake["item_id"]): {"method_not_allowed_for_category"}}
    assert r.json()["error"]["details"]["refused_items"] == 1

    r = await propose(world, token, [str(smuggled["item_id"])], method="auction")
    assert r.status_code == 201, r.text
    # The same item cannot be in two open batches.
    r = await propose(world, token, [str(smuggled["item_id"])], method="transfer")
    assert r.status_code == 422 and refused(r.json()) == {str(smuggled["item_id"]): {"already_in_batch"}}


async def test_a_seizure_without_a_confiscation_decision_is_refused_unless_perishable_on_the_emergency_path(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    undecided = await seizure([("smuggled", 1)], legal=None)
    r = await propose(world, token, undecided.all_ids)
    assert r.status_code == 422 and refused(r.json()) == {undecided.all_ids[0]: {"no_confiscation_decision"}}
    r = await propose(world, token, undecided.all_ids, emergency=True, emergency_reason="Sắp hết hạn")
    assert refused(r.json()) == {undecided.all_ids[0]: {"emergency_needs_perishable_or_hazardous"}}
    r = await propose(world, token, undecided.all_ids, emergency=True)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"  # the reason is mandatory

    perishable = await seizure([("smuggled", 1)], legal=None, perishable=True)
    r = await propose(world, token, perishable.all_ids, emergency=True, emergency_reason="Thực phẩm sắp hỏng")
    assert r.status_code == 201, r.text


async def test_items_of_a_release_ordered_seizure_are_returned_and_nothing_else(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    released = await seizure([("smuggled", 1)], legal="release_ordered")
    r = await propose(world, token, released.all_ids, method="auction")
    assert refused(r.json()) == {released.all_ids[0]: {"release_ordered_must_return"}}
    r = await propose(world, token, released.all_ids, method="return")
    assert r.status_code == 201, r.text


async def test_items_not_in_storage_are_refused_or_left_out_and_listed_on_request(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    arriving = await seizure([("counterfeit", 2)], check_in=False)
    r = await propose(world, token, filter={"seizure_id": arriving.seizure_id})
    assert r.status_code == 422
    assert refused(r.json()) == {i: {"not_in_storage"} for i in arriving.all_ids}
    r = await propose(world, token, filter={"seizure_id": arriving.seizure_id}, skip_ineligible=True)
    assert r.status_code == 422 and r.json()["error"]["code"] == "ineligible_items"

    unknown = "00000000-0000-4000-8000-000000000000"
    stored = await seizure([("counterfeit", 1)])
    r = await propose(world, token, [*stored.all_ids, unknown], skip_ineligible=True)
    assert r.status_code == 201, r.text
    details = r.json()["details"]
    assert details["item_count"] == 1 and details["excluded"] == [
        {"item_id": unknown, "rule": "unknown_item", "detail": "no intake registration seen for this item"}]


async def test_another_units_seizure_is_unknown_to_a_board_and_no_refusal_lists_its_items(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    admin = bearer(token("admin", user="admin-1", units=("*",)))
    r = await world.disposal.put("/boards/QLTT-HN", headers=admin,
                                 json={"members": ["hn-1", "hn-2"], "quorum": 1, "rejections_to_reject": 1})
    assert r.status_code == 200, r.text
    theirs = await seizure([("counterfeit", 3)])
    hanoi = member(token, "hn-1", units=("QLTT-HN",))
    body = {"unit": "QLTT-HN", "method": "destroy", "reason": "x"}
    r = await world.disposal.post("/batches", headers=hanoi, json={**body, "filter": {"seizure_id": theirs.seizure_id}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_items", r.text
    assert not any(i in r.text for i in theirs.all_ids) and UNIT not in r.text
    r = await world.disposal.post("/batches", headers=hanoi, json={**body, "item_ids": theirs.all_ids[:1]})
    assert r.status_code == 422 and refused(r.json()) == {theirs.all_ids[0]: {"unknown_item"}}, r.text
    assert UNIT not in r.text


async def test_proposals_are_checked_for_role_unit_and_shape(world: World, token: TokenFactory) -> None:
    body = {"unit": UNIT, "method": "destroy", "reason": "x", "item_ids": ["00000000-0000-4000-8000-000000000001"]}
    assert (await world.disposal.post("/batches", json=body)).status_code == 401
    r = await world.disposal.post("/batches", json=body, headers=bearer(token("warehouse_staff")))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_required"
    r = await world.disposal.post("/batches", json=body, headers=member(token, units=("QLTT-HN",)))
    assert r.status_code == 403 and r.json()["error"]["code"] == "unit_scope"
    r = await world.disposal.post("/batches", json=body, headers=bearer(token("auditor", units=(UNIT,))))
    assert r.status_code == 403
    for bad in ({**body, "method": "sell"}, {**body, "item_ids": None}, {**body, "filter": {"seizure_id": "x"}},
                {**body, "item_ids": []}, {**body, "reason": "\x00"},
                {**body, "deadline": (datetime.now(UTC) - timedelta(days=1)).isoformat()}):
        r = await world.disposal.post("/batches", json=bad, headers=member(token))
        assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_input", "deadline_in_past"), r.text
    r = await world.disposal.post("/batches", json={**body, "unit": "QLTT-XX"}, headers=bearer(token(
        "board_member", units=("QLTT-XX",))))
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_board"


async def test_a_filter_without_a_seizure_takes_the_units_live_items_and_names_each_refused_one(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    undecided = await seizure([("smuggled", 2)], legal=None)
    # Whichever test's undecided goods match, a destruction refuses every one of them: nothing is claimed.
    r = await propose(world, token, filter={"category": "smuggled", "legal_status": "none"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "ineligible_items", r.text
    refusals = {x["item_id"]: x for x in r.json()["error"]["details"]["refusals"]}
    labels = {str(i["item_id"]): i["label_code"] for i in undecided.items}
    for item_id, label in labels.items():
        assert refusals[item_id]["rule"] == "no_confiscation_decision"
        assert refusals[item_id]["label_code"] == label and refusals[item_id]["description"]
    # A confiscated seizure's items do not match a filter for undecided ones, nor do items registered today
    # match a filter for goods kept more than a year.
    r = await propose(world, token, filter={"seizure_id": undecided.seizure_id, "legal_status": "confiscated"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_items", r.text
    r = await propose(world, token, filter={"seizure_id": undecided.seizure_id, "min_age_days": 365})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_items", r.text
    r = await propose(world, token, filter={"seizure_id": undecided.seizure_id, "min_age_days": 0,
                                            "warehouse_id": "KHO-KHAC"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_items", r.text
    # Another unit's board sees none of them through the same filter.
    hanoi = member(token, "hn-1", units=("QLTT-HN",))
    admin = bearer(token("admin", user="admin-1", units=("*",)))
    r = await world.disposal.put("/boards/QLTT-HN", headers=admin,
                                 json={"members": ["hn-1", "hn-2"], "quorum": 1, "rejections_to_reject": 1})
    assert r.status_code == 200, r.text
    r = await world.disposal.post("/batches", headers=hanoi, json={
        "unit": "QLTT-HN", "method": "destroy", "reason": "x",
        "filter": {"category": "smuggled", "legal_status": "none"}})
    assert not any(i in r.text for i in labels), r.text
    for bad in ({"legal_status": "maybe"}, {"min_age_days": -1}, {"min_age_days": "old"}):
        r = await propose(world, token, filter=bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", r.text
