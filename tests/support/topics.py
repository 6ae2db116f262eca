"""Throwaway topics for tests that must not mix with the services' own streams."""

from __future__ import annotations

import uuid

from aiokafka.admin import AIOKafkaAdminClient, NewTopic


async def new_topics(bootstrap: str, *names: str, partitions: int = 3) -> list[str]:
    suffix = uuid.uuid4().hex[:8]
    topics = [f"{name}-{suffix}" for name in names]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([
            NewTopic(t, num_partitions=partitions, replication_factor=1, topic_configs={"retention.ms": "-1"})
            for t in topics
        ])
    finally:
        await admin.close()
    return topics
