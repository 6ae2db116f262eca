"""Kafka clients with the settings Tangvat relies on (aiokafka's defaults are not safe)."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


def event_topic(stream: str) -> str:
    return f"{stream}.events"


def dead_letter_topic(consumer_service: str) -> str:
    return f"{consumer_service}.dlq"


def make_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=512 * 1024,
        max_request_size=4 * 1024 * 1024,
        compression_type=None,
        request_timeout_ms=30_000,
    )


def make_consumer(bootstrap: str, *, group_id: str, topics: list[str], client_id: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=32 * 1024 * 1024,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
        max_poll_interval_ms=300_000,
    )
