"""A custody consumer paused past its session timeout: the group rebalances to its peer, the paused
one resumes with a stale assignment, and still every item is applied exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import demo_data
from stack import ServiceProcess
from support.databases import migrated_database
from tangvat_infra.processes import free_port

from tangvat_shared.db import connect
from tests.faults.conftest import FaultStack, unique_key

ITEMS = 6000


def query(dsn: str, sql: str) -> Any:
    async def run() -> Any:
        conn = await connect(dsn)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


def wait_until(probe: Any, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


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
    custody_dsn = asyncio.run(migrated_database(stack.infra.pg_admin_dsn, "custody", "tangvat_custody"))
    consumers = []
    for name in ("custody-a", "custody-b"):
        env = {**stack.env, "TANGVAT_CUSTODY_DATABASE_URL": custody_dsn,
               "TANGVAT_CUSTODY_HTTP_PORT": str(free_port()), "TANGVAT_CUSTODY_METRICS_PORT": str(free_port())}
        consumers.append(ServiceProcess("custody", "consume", env, stack.state / name))
    paused = consumers[0]  # its peer, consumers[1], takes its partitions over
    stack.process("relay").start()
    stack.start_api()
    for consumer in consumers:
        consumer.start()
    intake_dsn = stack.env["TANGVAT_INTAKE_DATABASE_URL"]
    try:
        # Both consumers hold partitions; one freezes, and then the work arrives.
        wait_until(lambda: group_members(stack.infra.kafka_bootstrap, "custody") == 2, "both consumers to join")
        wait_until(lambda: query(custody_dsn, "SELECT count(*) FROM item") == query(
            intake_dsn, "SELECT count(*) FROM item"), "custody to catch up with earlier seizures")
        paused.signal(signal.SIGSTOP)
        started = time.monotonic()
        assert stack.register(demo_data.seizure(ITEMS), unique_key()).status_code == 201
        expected = query(intake_dsn, "SELECT count(*) FROM item")
        wait_until(lambda: query(custody_dsn, "SELECT count(*) FROM item") == expected,
                   "the peer to take the paused consumer's partitions over and finish")
        recovered = time.monotonic() - started
    finally:
        paused.signal(signal.SIGCONT)  # it wakes up with a stale assignment and commits in vain
    time.sleep(3)  # give the resumed consumer the chance to misbehave; nothing to wait *for*
    applied = query(custody_dsn, "SELECT count(*) FROM item")
    starts = query(custody_dsn, "SELECT count(*) FROM event WHERE event_type = 'custody.item_awaiting_receipt'")
    distinct = query(custody_dsn, "SELECT count(DISTINCT subject) FROM event "
                                  "WHERE event_type = 'custody.item_awaiting_receipt'")
    for consumer in consumers:
        consumer.stop(timeout=5)
    fault_results.append({"scenario": "custody consumer SIGSTOP past its session timeout, then resumed",
                          "recovery_s": round(recovered, 2), "items_registered": expected, "items_in_custody": applied,
                          "applied_twice": starts - distinct, "lost": expected - applied})
    assert applied == expected
    assert starts == distinct == expected
