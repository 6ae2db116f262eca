"""After every fault scenario: once the services have caught up, the auditor's full replay (every stream's
chain and checkpoints, every item's lifecycle, each service's own copy of its stream, intake's and
custody's read models) finds nothing but the poison the suite itself put on the topics."""

from __future__ import annotations

import time

from tests.faults.checks import STREAMS, Results, full_audit, fully_published, record, sql, wait_until
from tests.faults.conftest import FaultStack


def caught_up(stack: FaultStack) -> bool:
    registered = sql(stack, "intake", "SELECT count(*) FROM item")
    return bool(sql(stack, "custody", "SELECT count(*) FROM item") == registered
                and sql(stack, "disposal", "SELECT count(*) FROM item") == registered
                and all(fully_published(stack, s) for s in STREAMS))


def test_after_the_faults_the_full_audit_replay_is_clean(system: FaultStack, fault_results: Results) -> None:
    stack = system
    started = time.monotonic()
    wait_until(lambda: caught_up(stack), "custody and disposal to catch up and every relay to publish", timeout=300,
               interval=0.5)
    counts = full_audit(stack)
    record(fault_results, "full audit replay after all the faults", started, counts,
           items_registered=sql(stack, "intake", "SELECT count(*) FROM item"))
    assert counts["findings"] == []
    assert [counts[f"{s}_lost"] for s in STREAMS] == [0, 0, 0]
