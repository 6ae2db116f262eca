"""The board: quorum of distinct members, one vote each, the proposer never votes, K rejections reject,
and concurrent votes that never overshoot the quorum."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.tokens import TokenFactory, bearer
from tests.support.world import (
    MEMBERS,
    PROPOSER,
    UNIT,
    SeizureFactory,
    World,
    fetch,
    member,
    propose,
    wait_status,
)


async def _vote(world: World, token: TokenFactory, batch_id: str, user: str, decision: str = "approve",
                units: tuple[str, ...] = (UNIT,)) -> tuple[int, str]:
    r = await world.disposal.post(f"/batches/{batch_id}/votes", headers=member(token, user, units),
                                  json={"decision": decision, "reason": f"{user}: {decision}"})
    return r.status_code, r.json().get("error", {}).get("code", r.json().get("status"))


async def test_the_proposer_never_votes_a_member_votes_once_and_outsiders_not_at_all(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 1)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    assert await _vote(world, token, batch_id, PROPOSER) == (422, "proposer_cannot_vote")
    assert await _vote(world, token, batch_id, MEMBERS[1]) == (200, "proposed")
    assert await _vote(world, token, batch_id, MEMBERS[1]) == (409, "already_voted")
    assert await _vote(world, token, batch_id, MEMBERS[1], "reject") == (409, "already_voted")
    assert await _vote(world, token, batch_id, "not-on-board") == (422, "not_a_board_member")
    # Another unit's batch does not exist for its board: 404 as for an unknown id (no oracle for where it is).
    assert await _vote(world, token, batch_id, MEMBERS[2], units=("QLTT-HN",)) == (404, "unknown_batch")
    r = await world.disposal.post(f"/batches/{batch_id}/votes", headers=bearer(token("auditor", units=("*",))),
                                  json={"decision": "approve", "reason": "x"})
    assert r.status_code == 403
    # The voter is the session's: a body naming another member is refused, not counted for them.
    r = await world.disposal.post(f"/batches/{batch_id}/votes", headers=member(token, MEMBERS[1]),
                                  json={"decision": "approve", "reason": "x", "member": MEMBERS[3]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", r.text
    batch = await wait_status(world, token, batch_id, "proposed")
    assert [(v["member"], v["decision"]) for v in batch["votes"]] == [(MEMBERS[1], "approve")]
    # An auditor reads the record; a member of another unit does not.
    assert (await world.disposal.get(f"/batches/{batch_id}", headers=bearer(token("auditor", units=("*",))))
            ).status_code == 200
    elsewhere = await world.disposal.get(f"/batches/{batch_id}", headers=member(token, units=("QLTT-HN",)))
    unknown = await world.disposal.get(f"/batches/{uuid.uuid4()}", headers=member(token, units=("QLTT-HN",)))
    assert elsewhere.status_code == unknown.status_code == 404
    assert elsewhere.json()["error"]["code"] == unknown.json()["error"]["code"] == "unknown_batch"


async def test_k_rejections_reject_the_batch_and_free_its_items(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 2)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    assert await _vote(world, token, batch_id, MEMBERS[1]) == (200, "proposed")
    assert await _vote(world, token, batch_id, MEMBERS[2], "reject") == (200, "proposed")
    assert await _vote(world, token, batch_id, MEMBERS[3], "reject") == (200, "rejected")
    assert await _vote(world, token, batch_id, MEMBERS[4]) == (409, "voting_closed")
    batch = await wait_status(world, token, batch_id, "rejected")
    assert batch["decided_at"] is not None
    listed = await world.disposal.get("/batches", params={"status": "rejected"}, headers=member(token))
    assert batch_id in {b["batch_id"] for b in listed.json()}
    elsewhere = await world.disposal.get("/batches", headers=member(token, units=("QLTT-HN",)))
    assert batch_id not in {b["batch_id"] for b in elsewhere.json()}
    # Freed: the same items go into a new proposal.
    r = await propose(world, token, seized.all_ids)
    assert r.status_code == 201, r.text


async def test_concurrent_votes_reach_exactly_the_quorum_and_request_one_reservation(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 2)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    results = await asyncio.gather(*[_vote(world, token, batch_id, m) for m in MEMBERS[1:]])
    assert sorted(results) == [(200, "proposed"), (200, "proposed"), (200, "reserving"), (409, "voting_closed")]
    batch = await wait_status(world, token, batch_id, "ready")
    assert len(batch["votes"]) == 3 and len({v["member"] for v in batch["votes"]}) == 3
    events = await fetch(world.disposal_dsn, "SELECT event_type, body FROM event WHERE subject = $1 ORDER BY id",
                         f"batch/{batch_id}")
    types = [e["event_type"] for e in events]
    assert types.count("disposal.batch_approved") == 1 and types.count("disposal.reservation_requested") == 1
    approved = next(e["body"]["data"] for e in events if e["event_type"] == "disposal.batch_approved")
    assert sorted(approved["approvals"]) == sorted(v["member"] for v in batch["votes"])


async def test_no_vote_counts_after_the_deadline(world: World, seizure: SeizureFactory, token: TokenFactory) -> None:
    seized = await seizure([("counterfeit", 1)])
    deadline = datetime.now(UTC) + timedelta(seconds=1)
    batch_id = (await propose(world, token, seized.all_ids, deadline=deadline.isoformat())).json()["batch_id"]
    await fetch(world.disposal_dsn, "UPDATE batch SET deadline = now() - interval '1 second' WHERE batch_id = $1::uuid",
                batch_id)  # the clock moves on without a sleep in the test
    assert await _vote(world, token, batch_id, MEMBERS[1]) == (422, "deadline_passed")


async def test_only_an_admin_sets_a_board_and_it_cannot_need_more_votes_than_members(
    world: World, token: TokenFactory,
) -> None:
    body = {"members": ["a", "b"], "quorum": 3, "rejections_to_reject": 1}
    r = await world.disposal.put("/boards/QLTT-TEST", json=body, headers=member(token, units=("QLTT-TEST",)))
    assert r.status_code == 403
    admin = bearer(token("admin", user="admin-1", units=("*",)))
    r = await world.disposal.put("/boards/QLTT-TEST", json=body, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == "quorum_exceeds_board"
    r = await world.disposal.put("/boards/QLTT-TEST", json={**body, "quorum": 2}, headers=admin)
    assert r.status_code == 200
    r = await world.disposal.get("/boards/QLTT-TEST", headers=member(token, units=("QLTT-TEST",)))
    assert r.json() == {"unit": "QLTT-TEST", "members": ["a", "b"], "quorum": 2, "rejections_to_reject": 1}
