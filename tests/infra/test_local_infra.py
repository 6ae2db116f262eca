"""The session's Kafka and PostgreSQL are real and configured as the services expect."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from localinfra import DLQ_TOPICS, EVENT_TOPICS, all_topics, create_topics, dsn, ensure_service_databases, topic_config
from tests.infra_fixtures import Infra


def fresh_topic(infra: Infra, partitions: int = 3) -> str:
    """A topic of this test's own: the project's topics carry only real events."""
    topic = f"infra-test-{uuid.uuid4().hex[:8]}"
    create_topics(infra.kafka_bootstrap, [topic], partitions)
    return topic


async def send(infra: Infra, topic: str, value: bytes) -> TopicPartition:
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value, key=b"seizure-1")
    finally:
        await producer.stop()
    assert sent.offset == 0
    return TopicPartition(topic, sent.partition)


@pytest.mark.asyncio
async def test_a_message_sent_with_acks_all_and_idempotence_is_read_back(infra: Infra) -> None:
    topic = fresh_topic(infra)
    payload = uuid.uuid4().bytes
    partition = await send(infra, topic, payload)

    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        batches = await consumer.getmany(partition, timeout_ms=10_000)
    finally:
        await consumer.stop()
    assert [record.value for record in batches[partition]] == [payload]


@pytest.mark.asyncio
async def test_a_consumer_group_commits_the_offset_after_its_record(infra: Infra) -> None:
    topic = fresh_topic(infra)
    partition = await send(infra, topic, b"record")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap,
        group_id=f"infra-test-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        records = await consumer.getmany(timeout_ms=10_000)
        assert [record.value for record in records[partition]] == [b"record"]
        await consumer.commit({partition: 1})
        assert await consumer.committed(partition) == 1
    finally:
        await consumer.stop()


def test_every_project_topic_keeps_its_records_forever(infra: Infra) -> None:
    assert set(all_topics()) == EVENT_TOPICS | DLQ_TOPICS
    for topic in [*all_topics(), fresh_topic(infra)]:
        config = topic_config(infra.kafka_bootstrap, topic)
        assert (config["retention.ms"], config["retention.bytes"], config["cleanup.policy"]) == ("-1", "-1", "delete")


@pytest.mark.asyncio
async def test_a_service_role_reaches_its_own_database_and_no_other(infra: Infra) -> None:
    suffix = uuid.uuid4().hex[:8]
    own, other = f"svc_a_{suffix}", f"svc_b_{suffix}"
    passwords = {own: "own-pw", other: "other-pw"}
    dsns = ensure_service_databases(infra.pg_admin_dsn, passwords)
    assert ensure_service_databases(infra.pg_admin_dsn, passwords) == dsns  # idempotent

    conn = await asyncpg.connect(dsns[own])
    try:
        assert await conn.fetchval("SELECT current_user || '@' || current_database()") == f"{own}@{own}"
        await conn.execute("CREATE TABLE item (id bigint PRIMARY KEY)")
    finally:
        await conn.close()

    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
        await asyncpg.connect(dsn(infra.pg_host, infra.pg_port, other, "other-pw", own))
