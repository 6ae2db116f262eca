"""What the fault scenarios observe: the services' databases, the topics, and the auditor's verdict."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
from service_processes import ServiceProcess

from tangvat_audit.audit import audit_database, run_audit
from tangvat_audit.dead_letters import read_dead_letters
from tangvat_audit.findings import Finding
from tangvat_audit.log_reader import Record, read_stream
from tangvat_audit.reconcile import reconcile_custody, reconcile_intake
from tangvat_shared.db import connect
from tangvat_shared.keys import load_public_key
from tests.faults.conftest import FaultStack

STREAMS = ("intake", "custody", "disposal")
CONSUMERS = ("custody", "disposal", "audit")  # the services that run a consumer (and have a DLQ topic)
ITEMS = 4000  # items of each large intake the kill scenarios interrupt
Results = list[dict[str, Any]]


def register(stack: FaultStack, n: int) -> str:
    """A seizure of n items registered at intake; its id."""
    import demo_data

    from tests.faults.conftest import unique_key

    response = stack.register(demo_data.seizure(n), unique_key())
    assert response.status_code == 201, response.text
    return str(response.json()["seizure_id"])


def wait_until(probe: Callable[[], Any], what: str, timeout: float = 180.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def wait_while_progressing(done: Callable[[], bool], progress: Callable[[], Any], what: str,
                           stalled_after: float = 120.0, interval: float = 0.2) -> None:
    """Wait until `done()`, as long as it takes while `progress()` keeps changing; fail only when it has not
    changed for `stalled_after` seconds (a hang, not a slow machine)."""
    last = progress()
    deadline = time.monotonic() + stalled_after
    while not done():
        now = progress()
        if now != last:
            last, deadline = now, time.monotonic() + stalled_after
        elif time.monotonic() > deadline:
            raise AssertionError(f"no progress for {stalled_after:.0f} s waiting for {what} (stuck at {last!r})")
        time.sleep(interval)


def log_offset(process: ServiceProcess) -> int:
    """Where the process's log ends now: what it logs next starts there."""
    return process.log_path.stat().st_size if process.log_path.exists() else 0


def logged_since(process: ServiceProcess, offset: int, event: str) -> bool:
    """Whether the process logged `event` (a structlog event name) after `offset`."""
    with open(process.log_path, "rb") as log:
        log.seek(offset)
        return f'"event": "{event}"'.encode() in log.read()


def _query(stack: FaultStack, service: str, run: Callable[[Any], Any]) -> Any:
    async def once() -> Any:
        conn = await connect(stack.dsn(service))
        try:
            return await run(conn)
        finally:
            await conn.close()

    for _ in range(100):
        try:
            return asyncio.run(once())
        except OSError:
            time.sleep(0.2)  # PostgreSQL restarting
    raise AssertionError(f"{service}'s database unreachable")


def sql(stack: FaultStack, service: str, query: str, *args: Any) -> Any:
    """The single value a query gives on a service's database."""
    return _query(stack, service, lambda conn: conn.fetchval(query, *args))


def rows(stack: FaultStack, service: str, query: str, *args: Any) -> list[dict[str, Any]]:
    """The rows a query gives on a service's database."""
    async def run(conn: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in await conn.fetch(query, *args)]

    return list(_query(stack, service, run))


def stream_state(stack: FaultStack, service: str) -> dict[str, int]:
    found = rows(stack, service, f"""SELECT (SELECT count(*) FROM event_record) AS recorded,
                                          (SELECT count(*) FROM outbox) AS queued,
                                          coalesce((SELECT last_seq FROM stream_head
                                                     WHERE stream = '{service}'), 0) AS sequenced,
                                          coalesce((SELECT published_seq FROM stream_head
                                                     WHERE stream = '{service}'), 0) AS published""")
    return found[0]


def fully_published(stack: FaultStack, service: str) -> bool:
    s = stream_state(stack, service)
    return bool(s["queued"] == 0 and s["sequenced"] == s["recorded"] == s["published"])


def read_topic(stack: FaultStack, stream: str) -> list[Record]:
    return asyncio.run(read_stream(stack.infra.kafka_bootstrap, f"{stream}.events"))


def wire_events(records: list[Record]) -> list[dict[str, Any]]:
    """The JSON objects of a topic, each sequence once (a relay may have published one twice)."""
    by_seq: dict[Any, dict[str, Any]] = {}
    for record in records:
        try:
            wire = orjson.loads(record.value)
        except orjson.JSONDecodeError:
            continue
        if isinstance(wire, dict) and isinstance(wire.get("sequence"), int):
            by_seq.setdefault(wire["sequence"], wire)
    return list(by_seq.values())


def public_key(stack: FaultStack, stream: str) -> Any:
    return load_public_key((stack.keys / f"{stream}.pub.pem").read_bytes())


def out_of_order(findings: list[Finding]) -> int:
    """Events the auditor saw after a later one of their partition."""
    return sum(1 for f in findings if f.kind == "reordered")


def expected_finding(stack: FaultStack, finding: Finding) -> bool:
    """A finding about a record the suite itself put on a topic (the poison scenario's)."""
    return any(finding.stream == topic.removesuffix(".events") and finding.detail.startswith(
        f"partition {partition} offset {offset}:") for topic, partition, offset in stack.foreign)


def audit_stream(stack: FaultStack, stream: str) -> dict[str, Any]:
    """Replay one topic like the auditor; count what was lost and what arrived more than once."""
    records = read_topic(stack, stream)
    result = run_audit({stream: records}, {stream: public_key(stack, stream)})
    recorded = stream_state(stack, stream)["recorded"]
    summary = result.streams[stream]
    return {
        "findings": [f.as_dict() for f in result.findings if not expected_finding(stack, f)],
        "out_of_order": out_of_order(result.findings),
        "events_recorded": recorded,
        "events_on_kafka": summary.events,
        "lost": recorded - summary.events,
        "duplicates_on_the_wire": summary.duplicates,
    }


def audit_streams(stack: FaultStack) -> dict[str, Any]:
    """Replay every stream together (causes cross streams); findings other than the suite's own poison."""
    result = run_audit({s: read_topic(stack, s) for s in STREAMS}, {s: public_key(stack, s) for s in STREAMS})
    return {
        "findings": [f.as_dict() for f in result.findings if not expected_finding(stack, f)],
        "out_of_order": out_of_order(result.findings),
        **{f"{s}_events": result.streams[s].events for s in STREAMS},
        **{f"{s}_duplicates_on_the_wire": result.streams[s].duplicates for s in STREAMS},
    }


def kill_midway(stack: FaultStack, process: ServiceProcess, service: str, progress: str, *args: Any,
                at_least: int = 1, timeout: float = 120.0) -> int:
    """SIGKILL the process as soon as the `progress` query (on the service's database) reaches `at_least`;
    the progress it was killed at. One connection, polled every few milliseconds: the work is fast."""
    async def run() -> int:
        conn = await connect(stack.dsn(service))
        try:
            deadline = time.monotonic() + timeout
            while (await conn.fetchval(progress, *args) or 0) < max(at_least, 1):
                if time.monotonic() > deadline:
                    raise AssertionError(f"timed out waiting for {process.name} to get going")
                await asyncio.sleep(0.002)
            process.kill()
            return int(await conn.fetchval(progress, *args) or 0)
        finally:
            await conn.close()

    return asyncio.run(run())


def full_audit(stack: FaultStack) -> dict[str, Any]:
    """What `tangvat_audit replay` does with every stream: verify each chain and checkpoint, replay every
    item's lifecycle, name every event of the log a consumer dead-lettered, check each service's own copy
    of its stream, reconcile intake's and custody's read models; plus what it found that the suite put
    there on purpose."""
    logs = {s: read_topic(stack, s) for s in STREAMS}
    keys = {s: public_key(stack, s) for s in STREAMS}
    dead_letters = asyncio.run(read_dead_letters(stack.infra.kafka_bootstrap, CONSUMERS))
    result = run_audit(logs, keys, dead_letters=dead_letters)
    findings = list(result.findings)

    async def databases() -> None:
        for stream in STREAMS:
            conn = await connect(stack.dsn(stream))
            try:
                findings.extend(await audit_database(conn, stream, logs[stream], keys[stream]))
            finally:
                await conn.close()
        for reconcile, service in ((reconcile_intake, "intake"), (reconcile_custody, "custody")):
            drift, _ = await reconcile(stack.dsn(service), result.ledger)
            findings.extend(drift)

    asyncio.run(databases())
    unexpected = [f.as_dict() for f in findings if not expected_finding(stack, f)]
    return {
        "findings": unexpected,
        "foreign_records_named": len(findings) - len(unexpected),
        "dead_lettered_events_of_the_log": sum(c["events_of_the_log"] for c in result.dead_letters.values()),
        "dead_lettered_poison": sum(c["poison"] for c in result.dead_letters.values()),
        "out_of_order": out_of_order(findings),
        **{f"{s}_events": result.streams[s].events for s in STREAMS},
        **{f"{s}_duplicates_on_the_wire": result.streams[s].duplicates for s in STREAMS},
        **{f"{s}_lost": stream_state(stack, s)["recorded"] - result.streams[s].events for s in STREAMS},
    }


def record(results: Results, scenario: str, started: float, counts: dict[str, Any], **extra: Any) -> None:
    results.append({"scenario": scenario, "recovery_s": round(time.monotonic() - started, 2),
                    **{k: v for k, v in counts.items() if k != "findings"}, "findings": len(counts["findings"]),
                    **extra})
