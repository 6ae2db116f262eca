"""Dead letters on the real broker and database: disposal's consumer meets poison, then a valid registration its
own read model refuses (a CHECK constraint its INSERT breaks). The poison is counted in disposal's /metrics and
leaves /readyz ready; the valid event is on the DLQ with its reason, counted, makes /readyz degraded (200), and
the auditor names it as a `dead_lettered` finding, while the poison stays out of the findings."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import demo_data as factories
from aiokafka import AIOKafkaProducer

from tangvat_audit.audit import run_audit
from tangvat_audit.dead_letters import read_dead_letter_topic
from tangvat_audit.log_reader import read_stream
from tangvat_disposal.api import build_app as build_disposal
from tangvat_disposal.handlers import HANDLERS as DISPOSAL_HANDLERS
from tangvat_intake.api import build_app as build_intake
from tangvat_shared.auth import TokenVerifier
from tangvat_shared.db import connect
from tangvat_shared.keys import load_private_key, load_public_key
from tests.support.databases import migrated_database
from tests.support.kafka_reader import read_raw
from tests.support.running import running_app, running_consumer, running_relay
from tests.support.tokens import TokenFactory, bearer
from tests.support.topics import new_topics
from tests.support.waiting import eventually

REFUSED = "Rượu giả — the read model refuses this description"
GROUP = "dl-disposal"


async def sql(dsn: str, query: str, *args: Any) -> Any:
    conn = await connect(dsn)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


def metric(text: str, reason: str) -> float | None:
    """The value of tangvat_dead_letters_total for this test's consumer and `reason`, if exported."""
    prefix = f'tangvat_dead_letters_total{{consumer="{GROUP}",reason="{reason}"}} '
    values = [float(line.removeprefix(prefix)) for line in text.splitlines() if line.startswith(prefix)]
    return values[0] if values else None


async def test_poison_is_counted_and_a_valid_event_the_handler_failed_degrades_readiness_and_is_a_finding(
    infra: Any, keys_dir: Path, token: TokenFactory
) -> None:
    intake_topic, dlq = await new_topics(infra.kafka_bootstrap, "intake.events", "disposal.dlq")
    suffix = uuid.uuid4().hex[:8]
    intake_dsn = await migrated_database(infra.pg_admin_dsn, f"dl_intake_{suffix}", "tangvat_intake")
    disposal_dsn = await migrated_database(infra.pg_admin_dsn, f"dl_disposal_{suffix}", "tangvat_disposal")
    # A real constraint of the read model that one valid registration breaks: the handler's INSERT fails.
    await sql(disposal_dsn, f"ALTER TABLE item ADD CONSTRAINT item_description_accepted "
                            f"CHECK (description <> '{REFUSED}')")
    verifier = TokenVerifier(load_public_key((keys_dir / "auth.pub.pem").read_bytes()))
    intake_key = load_private_key((keys_dir / "intake.pem").read_bytes())

    async with (
        running_app(build_intake(intake_dsn, verifier, intake_key), "intake") as intake,
        running_app(build_disposal(disposal_dsn, verifier, pool_max_size=4), "disposal") as disposal,
        running_relay(infra, intake_dsn, "intake", intake_key, topic=intake_topic, holder=f"dl-intake-{suffix}"),
        running_consumer(infra, disposal_dsn, group=GROUP, kafka_group=f"{GROUP}-{suffix}", topics=[intake_topic],
                         handlers=DISPOSAL_HANDLERS, dlq_topic=dlq),
    ):
        # 1. Poison: counted by reason, and readiness stays ready.
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(intake_topic, value=b"\x00 not an event", partition=0)
        finally:
            await producer.stop()

        async def metrics() -> str:
            response = await disposal.get("/metrics")
            assert response.status_code == 200
            return response.text

        async def poison_counted() -> bool:
            return metric(await metrics(), "unparseable") == 1.0

        await eventually(poison_counted, what="the poison counted in disposal's /metrics")
        ready = await disposal.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        assert metric(await metrics(), "handler_failed") is None

        # 2. A valid registration of three items, one of which disposal's read model refuses.
        body = factories.seizure(3)
        body["items"][1]["description"] = REFUSED
        registered = await intake.post("/seizures", json=body, headers=bearer(token(user="officer-1")))
        assert registered.status_code == 201, registered.text
        seizure_id = uuid.UUID(registered.json()["seizure_id"])
        refused_item = await sql(intake_dsn, "SELECT item_id FROM item WHERE seizure_id = $1 AND description = $2",
                                 seizure_id, REFUSED)
        refused_event = await sql(intake_dsn, "SELECT event_id FROM event WHERE event_type = 'intake.item_registered' "
                                              "AND subject = $1", f"item/{refused_item}")

        async def dead_lettered() -> bool:
            return bool(await sql(disposal_dsn, "SELECT count(*) FROM dead_letter WHERE event_id = $1", refused_event))

        await eventually(dead_lettered, what="the refused registration dead-lettered")
        # The other two items are applied: the consumer went on.
        assert await sql(disposal_dsn, "SELECT count(*) FROM item WHERE seizure_id = $1", seizure_id) == 2
        row = await sql(disposal_dsn, "SELECT row(kind, consumer, event_type, reason) FROM dead_letter "
                                      "WHERE event_id = $1", refused_event)
        assert row[:3] == ("handler_failed", GROUP, "intake.item_registered")
        assert "item_description_accepted" in row[3], row[3]
        assert await sql(disposal_dsn, "SELECT outcome FROM inbox WHERE event_id = $1",
                         refused_event) == "dead_lettered"

        # On the DLQ topic with its reason.
        on_dlq = [dict(r.headers) for r in await read_raw(infra.kafka_bootstrap, dlq)]
        kinds = sorted(h["tangvat-reason-kind"].decode() for h in on_dlq)
        assert kinds == ["handler_failed", "unparseable"]
        failed = next(h for h in on_dlq if h["tangvat-reason-kind"] == b"handler_failed")
        assert b"item_description_accepted" in failed["tangvat-reason"]
        assert failed["tangvat-consumer"] == GROUP.encode()

        # Counted, and readiness degraded (200: the API still serves) with the count and the reason.
        text = await metrics()
        assert metric(text, "handler_failed") == 1.0 and metric(text, "unparseable") == 1.0
        assert f'tangvat_dead_letters_unresolved{{consumer="{GROUP}"}} 1.0' in text
        ready = await disposal.get("/readyz")
        assert ready.status_code == 200
        report = ready.json()
        assert report["status"] == "degraded", report
        assert report["dead_letters"] == [{"consumer": GROUP, "reason": "handler_failed", "unresolved": 1,
                                           "reason_text": report["dead_letters"][0]["reason_text"]}]
        assert "read model lacks" in report["message"]

        # 3. The auditor names the dead-lettered event of the log, and only it.
        async def published() -> bool:
            return bool(await sql(intake_dsn, "SELECT published_seq = last_seq AND last_seq > 0 FROM stream_head"))

        await eventually(published, what="intake's stream published")
        logs = {"intake": await read_stream(infra.kafka_bootstrap, intake_topic)}
        letters = {"disposal": await read_dead_letter_topic(infra.kafka_bootstrap, "disposal", dlq)}
        result = run_audit(logs, {"intake": load_public_key((keys_dir / "intake.pub.pem").read_bytes())},
                           dead_letters=letters)
        named = [f for f in result.findings if f.kind == "dead_lettered"]
        assert [(f.stream, f.event_id, f.subject) for f in named] == [("intake", str(refused_event),
                                                                       f"item/{refused_item}")]
        assert "disposal's consumer dead-lettered intake.item_registered event" in named[0].detail
        assert "handler_failed" in named[0].detail and "item_description_accepted" in named[0].detail
        assert result.dead_letters == {"disposal": {"records": 2, "events_of_the_log": 1, "poison": 1}}
        # The poison is named where it lies on the event topic (not JSON), not as a dead-lettered event.
        others = [f for f in result.findings if f.kind != "dead_lettered"]
        assert [f.kind for f in others] == ["malformed"], [f.as_dict() for f in others]

        # 4. An operator who has dealt with it resolves it: ready again; the counter keeps the count.
        await sql(disposal_dsn, "UPDATE dead_letter SET resolved_at = now() WHERE event_id = $1", refused_event)
        ready = await disposal.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        text = await metrics()
        assert metric(text, "handler_failed") == 1.0
        assert f'tangvat_dead_letters_unresolved{{consumer="{GROUP}"}} 0.0' in text


async def test_readiness_still_fails_when_the_database_is_gone(infra: Any, keys_dir: Path) -> None:
    dsn = await migrated_database(infra.pg_admin_dsn, f"dl_gone_{uuid.uuid4().hex[:8]}", "tangvat_disposal")
    verifier = TokenVerifier(load_public_key((keys_dir / "auth.pub.pem").read_bytes()))
    app = build_disposal(dsn, verifier, pool_max_size=2)
    async with running_app(app, "disposal") as disposal:
        await app.state.pool.close()
        ready = await disposal.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "not_ready"
