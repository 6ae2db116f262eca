"""The auditor reconciles disposal's read model and its batches with the replayed log: written as disposal's
own store writes them, they agree; each kind of difference is named."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tangvat_audit.reconcile import reconcile_disposal
from tangvat_disposal import store
from tangvat_shared.db import connect
from tests.support.databases import migrated_database
from tests.unit.test_audit_ledger import SEIZURE, Log


async def test_disposals_read_model_and_batches_are_reconciled_with_the_log(infra: Any) -> None:
    dsn = await migrated_database(infra.pg_admin_dsn, f"reconcile_disposal_{uuid.uuid4().hex[:6]}",
                                  "tangvat_disposal")
    held, proposed = str(uuid.uuid4()), str(uuid.uuid4())
    batch = str(uuid.uuid4())
    log = Log()
    log.seizure(2, 3000)
    log.register(held, value=1000)
    log.register(proposed, value=2000)
    for item in (held, proposed):
        log.custody(item, "custody.item_awaiting_receipt", location_code=None)
        log.custody(item, "custody.item_received", location_code="A-1")
    log.custody(held, "custody.legal_hold_placed", reason="tòa án")
    log.add("disposal", "disposal.batch_proposed", {"batch_id": batch, "item_count": 1, "total_value_vnd": 2000})
    log.add("disposal", "disposal.items_proposed", {"batch_id": batch, "item_ids": [proposed]})
    ledger = log.ledger()

    now = datetime.now(UTC)
    conn = await connect(dsn)
    try:
        await store.insert_items(conn, [
            (uuid.UUID(i), uuid.UUID(SEIZURE), "QLTT-BN", "counterfeit", "giày", 2, "đôi", value, False, False,
             "KHO-1", f"L-{n}", now) for n, (i, value) in enumerate(((held, 1000), (proposed, 2000)))])
        await store.set_custody_state(conn, [uuid.UUID(held), uuid.UUID(proposed)], "in_storage")
        await store.set_hold(conn, [uuid.UUID(held)], True)
        await store.insert_batch(conn, batch_id=uuid.UUID(batch), unit="QLTT-BN", method="destroy", reason="hàng giả",
                                 emergency=False, proposer="board-chair", status="proposed", item_count=1,
                                 total_value_vnd=2000, quorum=3, rejections_to_reject=2, proposed_at=now)
        await store.insert_batch_items(conn, uuid.UUID(batch), [uuid.UUID(proposed)])

        drift, stats = await reconcile_disposal(dsn, ledger)
        assert drift == []
        assert stats == {"items_compared": 2, "batches_compared": 1, "backlog": 0}

        # Each change committed (the auditor reads with its own connection), reconciled, then undone.
        for change, undo, subject in (
            ("UPDATE item_custody SET on_hold = false WHERE item_id = $1::uuid",  # the hold that never arrived
             "UPDATE item_custody SET on_hold = true WHERE item_id = $1::uuid", f"item/{held}"),
            ("UPDATE item_custody SET custody_state = 'disposed' WHERE item_id = $1::uuid",
             "UPDATE item_custody SET custody_state = 'in_storage' WHERE item_id = $1::uuid", f"item/{held}"),
            ("UPDATE item SET value_vnd = 999 WHERE item_id = $1::uuid",
             "UPDATE item SET value_vnd = 1000 WHERE item_id = $1::uuid", f"item/{held}"),
            ("UPDATE batch SET total_value_vnd = 1 WHERE batch_id = $1::uuid",
             "UPDATE batch SET total_value_vnd = 2000 WHERE batch_id = $1::uuid", f"batch/{batch}"),
            ("UPDATE batch SET status = 'executed' WHERE batch_id = $1::uuid",
             "UPDATE batch SET status = 'proposed' WHERE batch_id = $1::uuid", f"batch/{batch}"),
            ("UPDATE batch_item SET executed = true WHERE batch_id = $1::uuid",
             "UPDATE batch_item SET executed = false WHERE batch_id = $1::uuid", f"batch/{batch}"),
            ("UPDATE batch_item SET item_id = gen_random_uuid() WHERE batch_id = $1::uuid",
             None, f"batch/{batch}"),
        ):
            target = batch if subject.startswith("batch/") else held
            await conn.execute(change, target)
            found, _ = await reconcile_disposal(dsn, ledger)
            assert [(f.kind, f.stream, f.subject) for f in found] == [("drift", "disposal", subject)], change
            if undo is not None:
                await conn.execute(undo, target)
                assert (await reconcile_disposal(dsn, ledger))[0] == []
    finally:
        await conn.close()

