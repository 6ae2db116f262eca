"""The test session's Kafka and PostgreSQL: given by the environment, in Docker, or local processes.

Order of choice: TANGVAT_TEST_KAFKA_BOOTSTRAP + TANGVAT_TEST_PG_ADMIN_DSN when both are set; else
testcontainers when a Docker engine answers; else a throwaway local stack (deploy/localinfra.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from localinfra import (
    KAFKA_IMAGE,
    POSTGRES_IMAGE,
    POSTGRES_SETTINGS,
    KafkaNode,
    LocalStack,
    PostgresCluster,
    create_project_topics,
    dsn,
    free_port,
    kafka_settings,
    wait_for_kafka,
)


@dataclass(frozen=True)
class Infra:
    """Where the session's broker and database server listen; process handles only when local."""

    kafka_bootstrap: str
    pg_admin_dsn: str
    kafka: KafkaNode | None = None
    postgres: PostgresCluster | None = None

    @property
    def pg_host(self) -> str:
        return urlsplit(self.pg_admin_dsn).hostname or "127.0.0.1"

    @property
    def pg_port(self) -> int:
        return urlsplit(self.pg_admin_dsn).port or 5432


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(
            ["docker", "info"], stdin=subprocess.DEVNULL, capture_output=True, timeout=5, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return probe.returncode == 0


@contextmanager
def local_infra() -> Iterator[Infra]:
    """Our own broker and cluster on free ports in a temporary directory, provisioned like `up`."""
    root = Path(tempfile.mkdtemp(prefix="tangvat-test-"))
    root.chmod(0o755)  # the postgres OS user must traverse it
    stack = LocalStack(root, free_port(), free_port(), free_port())
    try:
        stack.up()
        yield Infra(stack.kafka.bootstrap, stack.postgres.admin_dsn, stack.kafka, stack.postgres)
    finally:
        stack.down()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def docker_infra() -> Iterator[Infra]:
    """A Kafka (KRaft) and a PostgreSQL container with the local stack's settings."""
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.core.container import DockerContainer

    # Clients connect to the advertised address: publish the port under the same number.
    port = free_port()
    kafka = DockerContainer(KAFKA_IMAGE).with_bind_ports(port, port)
    kafka.with_env("CLUSTER_ID", "dGFuZ3ZhdC10ZXN0aW5nMQ").with_env("KAFKA_HEAP_OPTS", "-Xms256m -Xmx512m")
    advertise = kafka.get_docker_client().host()
    for key, value in kafka_settings(port, 9093, "/tmp/kraft-logs", bind="0.0.0.0", advertise=advertise).items():
        kafka.with_env("KAFKA_" + key.upper().replace("_", "__").replace(".", "_"), value)
    password = secrets.token_urlsafe(18)
    postgres = PostgresContainer(POSTGRES_IMAGE, username="postgres", password=password, dbname="postgres")
    postgres.with_command(["postgres", *(f"-c{key}={value}" for key, value in POSTGRES_SETTINGS.items())])
    with kafka, postgres:
        bootstrap = f"{advertise}:{port}"
        wait_for_kafka(bootstrap, timeout=120)
        create_project_topics(bootstrap)
        host, pg_port = postgres.get_container_host_ip(), int(postgres.get_exposed_port(5432))
        yield Infra(bootstrap, dsn(host, pg_port, "postgres", password, "postgres"))


@contextmanager
def session_infra() -> Iterator[Infra]:
    """The session's infrastructure, every project topic created."""
    kafka_bootstrap = os.environ.get("TANGVAT_TEST_KAFKA_BOOTSTRAP")
    pg_admin_dsn = os.environ.get("TANGVAT_TEST_PG_ADMIN_DSN")
    if kafka_bootstrap and pg_admin_dsn:
        wait_for_kafka(kafka_bootstrap)
        create_project_topics(kafka_bootstrap)
        yield Infra(kafka_bootstrap, pg_admin_dsn)
        return
    with docker_infra() if docker_available() else local_infra() as infra:
        yield infra
