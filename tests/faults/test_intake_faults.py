"""Kill, pause and restart the intake API, its relay, the broker and PostgreSQL in the middle of
large registrations: afterwards nothing is lost, nothing is doubled, and the audit replay is clean."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import demo_data

from tangvat_shared.db import connect
from tests.faults import checks
from tests.faults.checks import Results, log_offset, logged_since, record, wait_until, wait_while_progressing
from tests.faults.conftest import FaultStack, unique_key

ITEMS = 6000


def stream_state(stack: FaultStack) -> dict[str, int]:
    return checks.stream_state(stack, "intake")


def fully_published(stack: FaultStack) -> bool:
    return checks.fully_published(stack, "intake")


def audit(stack: FaultStack) -> dict[str, Any]:
    return checks.audit_stream(stack, "intake")


def seizure_rows(stack: FaultStack, record_number: str) -> tuple[int, int]:
    async def query() -> tuple[int, int]:
        conn = await connect(stack.dsn("intake"))
        try:
            row = await conn.fetchrow(
                """SELECT count(DISTINCT s.seizure_id) AS seizures, count(i.item_id) AS items
                     FROM seizure s LEFT JOIN item i USING (seizure_id) WHERE s.record_number = $1""",
                record_number)
            return row["seizures"], row["items"]
        finally:
            await conn.close()

    return asyncio.run(query())


def test_the_relay_killed_mid_publication_loses_and_doubles_nothing(
    fault_stack: FaultStack, fault_results: Results
) -> None:
    stack = fault_stack
    stack.start_api()
    relay = stack.process("intake", "relay")
    relay.start()
    body = demo_data.seizure(ITEMS)
    before = stream_state(stack)["published"]
    assert stack.register(body, unique_key()).status_code == 201
    wait_until(lambda: stream_state(stack)["published"] > before, "the relay to publish a first batch")
    relay.kill()  # SIGKILL: acknowledged batches may not be marked published yet
    killed_at = stream_state(stack)
    started = time.monotonic()
    relay.start()
    wait_until(lambda: fully_published(stack), "the restarted relay to publish everything")
    counts = audit(stack)
    record(fault_results, "relay SIGKILL mid-publication", started, counts,
           published_when_killed=killed_at["published"] - before, of=ITEMS + 1)
    assert counts["findings"] == []
    assert counts["lost"] == 0
    assert seizure_rows(stack, body["record_number"]) == (1, ITEMS)


def test_a_relay_paused_past_its_lease_is_fenced_off_by_its_successor(
    fault_stack: FaultStack, fault_results: Results
) -> None:
    stack = fault_stack
    old = stack.process("intake", "relay")
    old.start()
    body = demo_data.seizure(ITEMS)
    before = stream_state(stack)["published"]
    assert stack.register(body, unique_key()).status_code == 201
    wait_until(lambda: stream_state(stack)["published"] > before, "publication to begin")
    old.signal(signal.SIGSTOP)
    started = time.monotonic()
    token_when_paused = lease(stack)["relay_token"]
    successor = stack.process("intake", "relay", name="intake-relay-successor")
    successor.start()
    try:
        # The successor takes the lease once it lapsed: a new token. The paused relay may hold the stream
        # head's row lock mid-transaction; PostgreSQL ends its session after one lease when it is idle in
        # the transaction, and the successor ends it when it is stuck sending a result or reading a COPY.
        # Waits go on as long as something moves (the successor's process starting, then publishing).
        wait_while_progressing(lambda: lease(stack)["relay_token"] > token_when_paused,
                               lambda: (successor.pid, log_offset(successor)),
                               "the successor to take the lease over")
        took_over = time.monotonic() - started
        wait_while_progressing(lambda: fully_published(stack), lambda: stream_state(stack)["published"],
                               "the successor to publish everything")
    finally:
        woken_at = log_offset(old)
        old.signal(signal.SIGCONT)  # the old relay wakes up holding a stale lease
    # Whatever it was doing when paused, its next write meets the new token: it logs that it lost the lease.
    wait_while_progressing(lambda: logged_since(old, woken_at, "relay.lease_lost"), lambda: log_offset(old),
                           "the resumed relay to find its lease lost")
    # It did not take the lease back, and wrote nothing: the stream is still exactly what the successor published.
    assert f":{successor.pid}:" in lease(stack)["relay_holder"]
    assert fully_published(stack)
    counts = audit(stack)
    record(fault_results, "relay SIGSTOP past its lease, successor takes over, old one resumed", started, counts,
           successor_took_over_s=round(took_over, 2))
    assert counts["findings"] == []
    assert counts["lost"] == 0
    successor.stop()
    assert seizure_rows(stack, body["record_number"]) == (1, ITEMS)


def lease(stack: FaultStack) -> dict[str, Any]:
    found = checks.rows(stack, "intake", "SELECT relay_holder, relay_token FROM stream_head WHERE stream = 'intake'")
    return found[0]


def test_the_broker_killed_and_restarted_during_publication(fault_stack: FaultStack, fault_results: Results) -> None:
    stack = fault_stack
    assert stack.infra.kafka is not None
    relay = stack.process("intake", "relay")
    relay.start()
    body = demo_data.seizure(ITEMS)
    before = stream_state(stack)["published"]
    assert stack.register(body, unique_key()).status_code == 201
    wait_until(lambda: stream_state(stack)["published"] > before, "publication to begin")
    stack.infra.kafka.kill()
    started = time.monotonic()
    time.sleep(1)  # the relay meets a dead broker
    stack.infra.kafka.start()
    wait_until(lambda: fully_published(stack), "publication to finish after the broker came back")
    counts = audit(stack)
    record(fault_results, "broker SIGKILL + restart during publication", started, counts)
    assert counts["findings"] == []
    assert counts["lost"] == 0


def test_postgres_restarted_under_load_and_the_api_killed_mid_request(
    fault_stack: FaultStack, fault_results: Results
) -> None:
    stack = fault_stack
    assert stack.infra.postgres is not None
    stack.process("intake", "relay").start()
    api = stack.process("intake", "api")
    first, second = demo_data.seizure(ITEMS), demo_data.seizure(ITEMS)
    key_first, key_second = unique_key(), unique_key()
    import threading

    responses: dict[str, Any] = {}
    sender = threading.Thread(target=lambda: responses.setdefault("first", stack.register(first, key_first)))
    sender.start()
    time.sleep(0.4)  # mid-request (validation or the insert)
    api.kill()
    api.start()
    stack.infra.postgres.restart()
    started = time.monotonic()
    # An API starting while PostgreSQL shuts down exits (it cannot open its pool); its supervisor starts it again.
    revived = stack.revive()
    sender.join(timeout=180)
    assert responses["first"].status_code == 201
    # A client that never saw its answer retries with the same key: one seizure, not two.
    assert stack.register(first, key_first).json() == responses["first"].json()
    assert stack.register(second, key_second).status_code == 201
    wait_until(lambda: fully_published(stack), "publication after the restarts")
    counts = audit(stack)
    record(fault_results, "API SIGKILL mid-request + PostgreSQL restart under load", started, counts,
           restarted_by_supervisor=revived)
    assert counts["findings"] == []
    assert counts["lost"] == 0
    assert seizure_rows(stack, first["record_number"]) == (1, ITEMS)
    assert seizure_rows(stack, second["record_number"]) == (1, ITEMS)
