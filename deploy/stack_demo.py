"""`make demo`: a realistic seizure registered through the API, shown arriving on Kafka, the unit hierarchy's
demo and the demo warehouse floor set up."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from service_processes import HTTP_PORTS

if TYPE_CHECKING:
    from stack import Stack


def demo(stack: Stack, n_items: int) -> None:
    """Register a realistic seizure through the API and show it arriving on Kafka."""
    import httpx
    from demo_data import seizure

    token = stack.token("intake_officer", "demo-officer", ["QLTT-BN"], ["*"], 3600)
    body = seizure(n_items)
    body["record_number"] = f"DEMO-{time.strftime('%Y%m%d-%H%M%S')}"
    base = f"http://127.0.0.1:{HTTP_PORTS['intake']}"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        response = client.post("/seizures", json=body)
        response.raise_for_status()
        created = response.json()
        seizure_id = created["seizure_id"]
        detail = client.get(f"/seizures/{seizure_id}").json()
        first = client.get(f"/seizures/{seizure_id}/items", params={"limit": 3}).json()["items"]
        labels = client.get(f"/seizures/{seizure_id}/labels.pdf", params={"limit": 48})
    labels_path = stack.state / f"labels-{seizure_id}.pdf"
    labels_path.write_bytes(labels.content)
    published = _wait_published(stack, created["item_count"] + 1)
    from demo_hierarchy import show_hierarchy_at

    def token_for(role: str, user: str, units: list[str], warehouses: list[str]) -> str:
        return stack.token(role, user, units, warehouses, 3600)

    hierarchy = show_hierarchy_at(base, token_for, seizure_id)
    from demo_floor import set_up_floor

    floor = set_up_floor(f"http://127.0.0.1:{HTTP_PORTS['custody']}", token_for, stack.state)
    print(
        json.dumps(
            {
                "seizure": {
                    k: detail[k]
                    for k in ("seizure_id", "record_number", "item_count", "total_value_vnd", "items_by_category")
                },
                "first_items": [
                    {k: i[k] for k in ("label_code", "category", "description", "label_payload")} for i in first
                ],
                "events_acknowledged_by_kafka": published,
                "label_sheet": str(labels_path),
                "unit_hierarchy": hierarchy,
                "warehouse_floor": floor,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"Token for the API (the provider's access-token lifetime; `make token ROLE=...` for another): {token}")


def _wait_published(stack: Stack, at_least: int, timeout: float = 60.0) -> int:
    import asyncio

    import asyncpg

    dsn = stack._saved_env()["TANGVAT_INTAKE_DATABASE_URL"]

    async def published() -> int:
        conn = await asyncpg.connect(dsn)
        try:
            return int(await conn.fetchval("SELECT coalesce(max(published_seq), 0) FROM stream_head") or 0)
        finally:
            await conn.close()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = asyncio.run(published())
        if count >= at_least:
            return count
        time.sleep(0.2)
    raise TimeoutError("the relay did not publish the demo seizure in time")
