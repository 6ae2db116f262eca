"""Witnesses, voters and second persons are people: each acts from their own session and is compared by canonical
id. The recorder of a destruction is none of its witnesses, a witness withdraws before the record (never after),
the person custody handed the goods to is in their chain of custody, a vote counts for the voter only, and a
custody approval's requester does not confirm it under another spelling."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.kafka_reader import events_only, read_topic
from tests.support.tokens import TokenFactory
from tests.support.waiting import eventually
from tests.support.world import (
    MEMBERS,
    PROPOSER,
    SECOND_STAFF,
    WAREHOUSE,
    SeizureFactory,
    World,
    approve,
    destruction,
    fetch,
    member,
    propose,
    staff,
    wait_status,
    witness,
    witness_headers,
)


def _code(r: httpx.Response) -> str:
    code: str = r.json()["error"]["code"]
    return code


async def _ready(world: World, seizure: SeizureFactory, token: TokenFactory, n: int = 1) -> tuple[str, list[str]]:
    seized = await seizure([("counterfeit", n)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    await approve(world, token, batch_id)
    await wait_status(world, token, batch_id, "ready")
    return batch_id, seized.all_ids


async def _hand_over(world: World, token: TokenFactory, batch_id: str, **extra: Any) -> None:
    """Custody's staff hand the batch over (a second person confirms above the threshold); disposal learns it."""
    body = {"batch_id": batch_id, "warehouse_id": WAREHOUSE, "recipient": "Tổ tiêu hủy", **extra}
    user = f"kho-{uuid.uuid4().hex[:6]}"  # moved nothing alone yet
    r = await world.custody.post("/handovers", json=body, headers=staff(token, user))
    if r.status_code == 202:
        r = await world.custody.post(f"/approvals/{r.json()['approval_id']}/confirm",
                                     headers=staff(token, SECOND_STAFF))
    assert r.status_code == 200, r.text

    async def known() -> bool:
        rows = await fetch(world.disposal_dsn, "SELECT bool_and(handed_over) AS done FROM batch_item "
                           "WHERE batch_id = $1::uuid AND reservation = 'reserved'", batch_id)
        return bool(rows[0]["done"])

    await eventually(known, what=f"disposal knows batch {batch_id} was handed over")


def _people(n: int) -> list[str]:
    # Fresh people: the unit's previous destruction's pair (other tests') never repeats by accident.
    tag = uuid.uuid4().hex[:6]
    return [f"witness-{tag}-{i}" for i in range(n)]


async def test_the_recorder_is_no_witness_and_a_witness_withdraws_only_before_the_record(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    batch_id, _ = await _ready(world, seizure, token)
    await _hand_over(world, token, batch_id)
    first, second = _people(2)
    recorder = MEMBERS[4]
    confirm = f"/batches/{batch_id}/execution/witnesses"
    for r in await witness(world, token, batch_id, first, second):
        assert r.status_code == 200, r.text
    # A board member attends as a witness, then tries to record the destruction they witnessed: refused, by any
    # spelling of their id, though two other witnesses confirmed.
    r = await world.disposal.post(confirm, headers=member(token, recorder), json={"name": "Bà E"})
    assert r.status_code == 200, r.text
    for spelled in (recorder, f" {recorder.upper()}"):
        r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token, spelled),
                                      json=destruction())
        assert r.status_code == 422 and _code(r) == "recorder_is_witness", (spelled, r.text)
        assert r.json()["error"]["details"] == {"recorder": recorder}
    # The page shows the recorder who confirmed, in order.
    batch = (await world.disposal.get(f"/batches/{batch_id}", headers=member(token))).json()
    assert [w["user_id"] for w in batch["witnesses"]] == [first, second, recorder]
    assert batch["witnesses"][2]["name"] == "Bà E" and batch["witnesses"][2]["confirmed_at"]

    # They withdraw from their own session (by any spelling); nobody withdraws for them, nor twice.
    withdraw = f"/batches/{batch_id}/execution/witnesses/me"
    r = await world.disposal.delete(withdraw, headers=witness_headers(token, _people(1)[0]))
    assert r.status_code == 409 and _code(r) == "not_a_witness", r.text
    r = await world.disposal.delete(withdraw, headers=member(token, recorder.upper()))
    assert r.status_code == 200, r.text
    assert r.json()["details"] == {"withdrawn": recorder, "witnesses": 2}
    r = await world.disposal.delete(withdraw, headers=member(token, recorder))
    assert r.status_code == 409 and _code(r) == "not_a_witness", r.text
    batch = (await world.disposal.get(f"/batches/{batch_id}", headers=member(token))).json()
    assert [w["user_id"] for w in batch["witnesses"]] == [first, second]

    # A second withdraws too: one witness is too few; they confirm again and the recorder records.
    r = await world.disposal.delete(withdraw, headers=witness_headers(token, second))
    assert r.status_code == 200, r.text
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token, recorder),
                                  json=destruction())
    assert r.status_code == 422 and _code(r) == "too_few_witnesses", r.text
    [r] = await witness(world, token, batch_id, second)
    assert r.status_code == 200, r.text
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token, recorder),
                                  json=destruction())
    assert r.status_code == 200, r.text
    executed = await wait_status(world, token, batch_id, "executed")
    assert [w["user_id"] for w in executed["execution"]["witnesses"]] == [first, second]
    # After the record, the witnesses stand.
    r = await world.disposal.delete(withdraw, headers=witness_headers(token, first))
    assert r.status_code == 409 and _code(r) == "not_ready", r.text

    subject = f"batch/{batch_id}"

    def complete(records: list[dict[str, Any]]) -> bool:
        return any(e.get("subject") == subject and e["type"] == "disposal.batch_executed" for e in records)

    log = sorted((e for e in events_only(await read_topic(world.bootstrap, world.topics.disposal, until=complete))
                  if e["subject"] == subject and e["type"].startswith(("disposal.execution_witnessed",
                                                                       "disposal.witness_withdrawn"))),
                 key=lambda e: e["sequence"])
    # Signed in at the identity provider, "BOARD-5" is the account board-5: the actor is its canonical id.
    assert [(e["type"].split(".")[1], e["actorid"]) for e in log] == [
        ("execution_witnessed", first), ("execution_witnessed", second), ("execution_witnessed", recorder),
        ("witness_withdrawn", recorder), ("witness_withdrawn", second), ("execution_witnessed", second)]
    assert [e["data"].get("user_id") for e in log if e["type"] == "disposal.witness_withdrawn"] == [recorder, second]


async def test_the_person_custody_handed_the_goods_to_is_in_their_chain_of_custody(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    batch_id, item_ids = await _ready(world, seizure, token)
    receiver, first, second = _people(3)
    # One witness confirmed before the goods were handed over to them: the execution checks again.
    for r in await witness(world, token, batch_id, receiver, first):
        assert r.status_code == 200, r.text
    await _hand_over(world, token, batch_id, recipient_user_id=f" {receiver.upper()} ")
    item = (await world.disposal.get(f"/items/{item_ids[0]}", headers=member(token))).json()
    assert receiver in item["custody_actors"]
    [r] = await witness(world, token, batch_id, second)
    assert r.status_code == 200, r.text
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token), json=destruction())
    assert r.status_code == 422 and _code(r) == "witness_in_chain_of_custody", r.text
    assert r.json()["error"]["details"] == [{"witness": receiver, "item_id": item_ids[0]}]
    # The recipient cannot confirm afresh either (by any spelling): they withdraw, and another person attends.
    r = await world.disposal.delete(f"/batches/{batch_id}/execution/witnesses/me",
                                    headers=witness_headers(token, receiver))
    assert r.status_code == 200, r.text
    [r] = await witness(world, token, batch_id, receiver.upper())
    assert r.status_code == 422 and _code(r) == "witness_in_chain_of_custody", r.text
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token), json=destruction())
    assert r.status_code == 200, r.text

    # Custody's event names the person by canonical id beside the words.
    rows = await fetch(world.custody_dsn, """SELECT body FROM event WHERE event_type = 'custody.item_handed_over'
                                            AND body->'data'->>'batch_id' = $1""", batch_id)
    assert [(r["body"]["data"]["recipient"], r["body"]["data"]["recipient_user_id"]) for r in rows] == [
        ("Tổ tiêu hủy", receiver)]


async def test_a_vote_is_the_voters_own_under_any_spelling(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 1)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    votes = f"/batches/{batch_id}/votes"
    ballot = {"decision": "approve", "reason": "Đồng ý"}
    r = await world.disposal.post(votes, headers=member(token, f"{PROPOSER.upper()} "), json=ballot)
    assert r.status_code == 422 and _code(r) == "proposer_cannot_vote", r.text
    r = await world.disposal.post(votes, headers=member(token, f" {MEMBERS[1].upper()}"), json=ballot)
    assert r.status_code == 200, r.text
    for spelled in (MEMBERS[1], f"{MEMBERS[1]}\t"):
        r = await world.disposal.post(votes, headers=member(token, spelled), json={**ballot, "decision": "reject"})
        assert r.status_code == 409 and _code(r) == "already_voted", (spelled, r.text)
    # Nobody votes for another: a body naming a member is refused.
    r = await world.disposal.post(votes, headers=member(token, MEMBERS[2]), json={**ballot, "member": MEMBERS[3]})
    assert r.status_code == 422, r.text
    batch = (await world.disposal.get(f"/batches/{batch_id}", headers=member(token))).json()
    # The vote is kept under the voter's canonical id.
    assert [(v["member"], v["decision"]) for v in batch["votes"]] == [(MEMBERS[1], "approve")]


async def test_a_custody_approval_is_confirmed_by_a_second_person_under_no_spelling_of_the_requester(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    batch_id, _ = await _ready(world, seizure, token, n=4)  # above the two-person threshold together
    requester = f"kho-{uuid.uuid4().hex[:6]}"
    r = await world.custody.post("/handovers", headers=staff(token, requester),
                                 json={"batch_id": batch_id, "warehouse_id": WAREHOUSE, "recipient": "Tổ tiêu hủy"})
    assert r.status_code == 202, r.text
    confirm = f"/approvals/{r.json()['approval_id']}/confirm"
    for spelled in (requester.upper(), f" {requester}", f"{requester} "):
        r = await world.custody.post(confirm, headers=staff(token, spelled))
        assert r.status_code == 422 and _code(r) == "two_person_rule", (spelled, r.text)
    r = await world.custody.post(confirm, headers=staff(token, SECOND_STAFF))
    assert r.status_code == 200 and r.json()["status"] == "handed_over", r.text
