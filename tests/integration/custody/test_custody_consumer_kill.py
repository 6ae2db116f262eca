"""The custody consumer process SIGKILLed in the middle of a 76,804-item seizure, then restarted:
every item is present exactly once, and custody's stream starts each item's chain exactly once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import demo_data as factories
import httpx
import pytest
from service_processes import ServiceProcess

from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import fetch
from tests.support.databases import migrated_database
from tests.support.waiting import eventually

N_ITEMS = 76_804


@pytest.mark.slow
async def test_a_consumer_killed_mid_seizure_applies_every_item_exactly_once_after_restart(
    infra: Any, intake_client: httpx.AsyncClient, intake_relay: Any, token: TokenFactory, keys_dir: Path,
    tmp_path: Path,
) -> None:
    dsn = await migrated_database(infra.pg_admin_dsn, "custody_kill", "tangvat_custody")
    env = {
        "TANGVAT_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(keys_dir / "auth.pub.pem"),
        "TANGVAT_KEYS_DIR": str(keys_dir),
        "TANGVAT_CUSTODY_DATABASE_URL": dsn,
        "TANGVAT_LOG_LEVEL": "WARNING",
    }
    consumer = ServiceProcess("custody", "consume", env, tmp_path)
    consumer.start()
    try:
        body = factories.seizure(N_ITEMS, warehouse="KHO-BN-01")
        response = await intake_client.post("/seizures", json=body, headers=bearer(token()))
        assert response.status_code == 201, response.text
        seizure_id = uuid.UUID(response.json()["seizure_id"])

        async def applied() -> int:
            rows = await fetch(dsn, "SELECT count(*) AS n FROM item WHERE seizure_id = $1", seizure_id)
            return int(rows[0]["n"])

        async def midway() -> int:
            n = await applied()
            return n if n >= 5_000 else 0

        seen = await eventually(midway, timeout=120, interval=0.02, what="the consumer midway through the seizure")
        consumer.kill()
        killed_at = await applied()
        assert seen <= killed_at < N_ITEMS, "the consumer finished before it could be killed"

        consumer.start()

        async def complete() -> bool:
            return await applied() >= N_ITEMS

        await eventually(complete, timeout=180, interval=0.2, what="every item after the restart")
        rows = await fetch(dsn, """SELECT (SELECT count(*) FROM item WHERE seizure_id = $1) AS items,
                                          (SELECT count(DISTINCT item_id) FROM item
                                            WHERE seizure_id = $1) AS distinct_items,
                                          (SELECT count(*) FROM event e JOIN item i ON e.subject = 'item/' || i.item_id
                                            WHERE i.seizure_id = $1
                                              AND e.event_type = 'custody.item_awaiting_receipt') AS chain_starts,
                                          (SELECT count(DISTINCT e.subject) FROM event e
                                             JOIN item i ON e.subject = 'item/' || i.item_id
                                            WHERE i.seizure_id = $1
                                              AND e.event_type = 'custody.item_awaiting_receipt') AS distinct_starts""",
                           seizure_id)
        counts = dict(rows[0])
        print(f"killed after {killed_at} of {N_ITEMS} items; after restart: {counts}")
        assert counts == {"items": N_ITEMS, "distinct_items": N_ITEMS, "chain_starts": N_ITEMS,
                          "distinct_starts": N_ITEMS}
        states = await fetch(dsn, "SELECT state, count(*) AS n FROM item WHERE seizure_id = $1 GROUP BY state",
                             seizure_id)
        assert [(r["state"], r["n"]) for r in states] == [("awaiting_receipt", N_ITEMS)]
    finally:
        consumer.stop()
