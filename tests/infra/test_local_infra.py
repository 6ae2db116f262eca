"""The session's Kafka and PostgreSQL are real and configured as the services expect."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from localinfra import DLQ_TOPICS, EVENT_TOPICS, all_topics, dsn, ensure_service_databases, topic_config
from tests.infra_fixtures import Infra


@pytest.mark.asyncio
async def test_a_message_sent_with_acks_all_and_idempotence_is_read_back(infra: Infra) -> None:
    topic = "intake.events"
    payload = uuid.uuid4().bytes
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, payload, key=b"seizure-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, sent.partition)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        batches = await consumer.getmany(partition, timeout_ms=10_000)
    finally:
        await consumer.stop()
    assert [record.value for record in batches[partition]][:1] == [payload]


@pytest.mark.asyncio
async def test_a_consumer_group_commits_offsets(infra: Infra) -> None:
    topic, group = "custody.dlq", f"test-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b"poison")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, sent.partition)
        records = await consumer.getmany(timeout_ms=10_000)
        assert records[partition]
        await consumer.commit({partition: sent.offset + 1})
        assert await consumer.committed(partition) == sent.offset + 1
    finally:
        await consumer.stop()


def test_every_project_topic_keeps_its_records_forever(infra: Infra) -> None:
    assert set(all_topics()) == EVENT_TOPICS | DLQ_TOPICS
    for topic in all_topics():
        config = topic_config(infra.kafka_bootstrap, topic)
        assert (config["retention.ms"], config["retention.bytes"], config["cleanup.policy"]) == ("-1", "-1", "delete")


@pytest.mark.asyncio
async def test_a_service_role_reaches_its_own_database_and_no_other(infra: Infra) -> None:
    suffix = uuid.uuid4().hex[:8]
    own, other = f"svc_a_{suffix}", f"svc_b_{suffix}"
    dsns = ensure_service_databases(infra.pg_admin_dsn, {own: "own-pw", other: "other-pw"})
    # Provisioning twice changes nothing.
    assert ensure_service_databases(infra.pg_admin_dsn, {own: "own-pw", other: "other-pw"}) == dsns

    conn = await asyncpg.connect(dsns[own])
    try:
        assert await conn.fetchval("SELECT current_user || '@' || current_database()") == f"{own}@{own}"
        await conn.execute("CREATE TABLE item (id bigint PRIMARY KEY)")
    finally:
        await conn.close()

    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
        await asyncpg.connect(dsn(infra.pg_host, infra.pg_port, other, "other-pw", own))
