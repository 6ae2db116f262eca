"""A custody consumer paused past its session timeout: the group rebalances to its peer, the paused
one resumes with a stale assignment, and still every item is applied exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import demo_data

from tests.faults.checks import sql, wait_until
from tests.faults.conftest import FaultStack, unique_key

ITEMS = 6000


def group_members(bootstrap: str, group: str) -> int:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    async def run() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            (response,) = await admin.describe_consumer_groups([group])
            groups = response.to_object()["groups"]
            return len(groups[0]["members"]) if groups and groups[0]["state"] == "Stable" else 0
        except KafkaError:
            return 0  # the group's coordinator is still being elected
        finally:
            await admin.close()

    return asyncio.run(run())


def test_a_consumer_paused_past_its_session_timeout_applies_nothing_twice(
    fault_stack: FaultStack, fault_results: list[dict[str, Any]]
) -> None:
    stack = fault_stack
    stack.start("intake", "api", "relay")
    paused = stack.process("custody", "consume")
    peer = stack.process("custody", "consume", name="custody-consume-peer")  # takes its partitions over
    paused.start()
    peer.start()
    try:
        # Both consumers hold partitions; one freezes, and then the work arrives.
        wait_until(lambda: group_members(stack.infra.kafka_bootstrap, "custody") == 2, "both consumers to join",
                   interval=0.2)
        wait_until(lambda: sql(stack, "custody", "SELECT count(*) FROM item") == sql(
            stack, "intake", "SELECT count(*) FROM item"), "custody to catch up with earlier seizures",
                   interval=0.2)
        paused.signal(signal.SIGSTOP)
        started = time.monotonic()
        assert stack.register(demo_data.seizure(ITEMS), unique_key()).status_code == 201
        expected = sql(stack, "intake", "SELECT count(*) FROM item")
        wait_until(lambda: sql(stack, "custody", "SELECT count(*) FROM item") == expected,
                   "the peer to take the paused consumer's partitions over and finish", interval=0.2)
        recovered = time.monotonic() - started
    finally:
        paused.signal(signal.SIGCONT)  # it wakes up with a stale assignment and commits in vain
    time.sleep(3)  # give the resumed consumer the chance to misbehave; nothing to wait *for*
    applied = sql(stack, "custody", "SELECT count(*) FROM item")
    starts = sql(stack, "custody", "SELECT count(*) FROM event WHERE event_type = 'custody.item_awaiting_receipt'")
    distinct = sql(stack, "custody", "SELECT count(DISTINCT subject) FROM event "
                                     "WHERE event_type = 'custody.item_awaiting_receipt'")
    peer.stop(timeout=5)  # the resumed one stays, the suite's custody consumer
    fault_results.append({"scenario": "custody consumer SIGSTOP past its session timeout, then resumed",
                          "recovery_s": round(recovered, 2), "items_registered": expected, "items_in_custody": applied,
                          "applied_twice": starts - distinct, "lost": expected - applied})
    assert applied == expected
    assert starts == distinct == expected
