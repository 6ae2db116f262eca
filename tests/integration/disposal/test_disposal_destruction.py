"""The whole path through the HTTP API: propose → quorum → custody reserves → custody hands over →
witnessed destruction → custody disposes, and the certificate that can be checked against the log."""

from __future__ import annotations

import hashlib
from typing import Any

from tangvat_shared.canonical import canonical_json
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.kafka_reader import events_only, read_topic
from tests.support.tokens import TokenFactory, bearer
from tests.support.world import (
    MEMBERS,
    STAFF,
    SeizureFactory,
    World,
    approve,
    destruction,
    fetch,
    hand_over,
    member,
    propose,
    wait_status,
    witnessed,
)


async def test_a_counterfeit_batch_is_destroyed_before_witnesses_and_custody_marks_it_disposed(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 4)])
    r = await propose(world, token, filter={"seizure_id": seized.seizure_id, "category": "counterfeit"})
    assert r.status_code == 201, r.text
    batch_id = r.json()["batch_id"]
    assert r.json()["details"]["item_count"] == 4

    await approve(world, token, batch_id, MEMBERS[1:3])
    assert (await wait_status(world, token, batch_id, "proposed"))["votes"][1]["member"] == MEMBERS[2]
    await approve(world, token, batch_id, MEMBERS[3:4])
    ready = await wait_status(world, token, batch_id, "ready")
    assert ready["reservation"] == {"reserved": 4}
    assert [v["member"] for v in ready["votes"]] == MEMBERS[1:4]

    # Nothing is destroyed that custody's staff have not handed over; the refusal names the items.
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token),
                                  json=destruction(confirmed_item_ids=seized.all_ids))
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_handed_over", r.text
    assert r.json()["error"]["details"]["item_ids"] == sorted(seized.all_ids)
    await hand_over(world, token, batch_id)
    await witnessed(world, token, batch_id)
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token),
                                  json=destruction(confirmed_item_ids=seized.all_ids))
    assert r.status_code == 200, r.text
    done = await wait_status(world, token, batch_id, "executed", lambda b: b["outcomes"] == {"disposed": 4})
    custody_states = await fetch(world.custody_dsn, "SELECT DISTINCT state FROM item WHERE seizure_id = $1::uuid",
                                 seized.seizure_id)
    assert [s["state"] for s in custody_states] == ["disposed"]

    # The certificate carries the hash of the batch's events, which anyone can recompute from the log.
    r = await world.disposal.get(f"/batches/{batch_id}/certificate.pdf", headers=bearer(token("auditor", units=("*",))))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and b"DejaVuSans" in r.content  # Vietnamese glyphs embedded
    assert done["events_sha256"].encode() in r.content and batch_id.encode() in r.content

    subject = f"batch/{batch_id}"

    def complete(records: list[dict[str, Any]]) -> bool:
        return sum(1 for e in records if e.get("subject") == subject and e["type"] == "disposal.batch_executed") == 1

    log = [e for e in events_only(await read_topic(world.bootstrap, world.topics.disposal, until=complete))
           if e["subject"] == subject]
    log.sort(key=lambda e: e["sequence"])
    bodies = [{k: v for k, v in e.items() if k not in ("sequence", "prevhash", "hash")} for e in log]
    assert hashlib.sha256(canonical_json(bodies)).hexdigest() == done["events_sha256"]
    assert [e["type"] for e in log] == [
        "disposal.batch_proposed", "disposal.items_proposed", *["disposal.vote_cast"] * 3,
        "disposal.batch_approved", "disposal.reservation_requested", "disposal.batch_ready",
        *["disposal.execution_witnessed"] * 2, "disposal.batch_executed", "disposal.items_executed"]

    # The read model keeps who handled each item: the warehouse staff who checked it in.
    r = await world.disposal.get(f"/items/{seized.all_ids[0]}", headers=member(token))
    assert r.status_code == 200 and STAFF in r.json()["custody_actors"]
    assert r.json()["custody_state"] == "disposed"
