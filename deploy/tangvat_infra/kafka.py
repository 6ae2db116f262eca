"""A single-node Kafka (KRaft broker+controller) run as a JVM, and topic administration."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from tangvat_infra.processes import (
    InfraError,
    port_open,
    process_alive,
    read_pid,
    run,
    run_async,
    send_signal,
    tail,
    wait_gone,
)

log = logging.getLogger("tangvat.localinfra")

KAFKA_IMAGE = "apache/kafka:4.1.2"  # the release deploy/kafka/pom.xml fetches
# The audit log never expires and is never compacted away.
AUDIT_TOPIC_CONFIG = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
JVM_FLAGS = (
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
LOG4J2_PROPERTIES = """\
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


def kafka_settings(
    port: int, controller_port: int, log_dirs: str, *, bind: str = "127.0.0.1", advertise: str = "127.0.0.1"
) -> dict[str, str]:
    """One node (broker+controller) listening on `bind`; clients are told `advertise`:`port`."""
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        # 127.0.0.1 rather than localhost: clients would try ::1 first.
        "listeners": f"PLAINTEXT://{bind}:{port},CONTROLLER://{bind}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{advertise}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": log_dirs,
        # One node: internal topics must fit it; one partition keeps the first join fast.
        "offsets.topic.num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        # After a kill -9 the controller fences the dead incarnation only when its session
        # expires; the 9 s default would stall every crash-restart test.
        "broker.session.timeout.ms": "4000",
        "broker.heartbeat.interval.ms": "1000",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        "num.network.threads": "2",
        "num.io.threads": "4",
        # Only __consumer_offsets is compacted; the 128 MB default is a quarter of the heap.
        "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
    }


async def _round_trip(bootstrap: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        await admin.describe_cluster()
    finally:
        await admin.close()


async def _wait_for_kafka(bootstrap: str, deadline: float, alive: Callable[[], bool]) -> None:
    from aiokafka.errors import KafkaError

    host, _, port = bootstrap.rpartition(":")
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise InfraError(f"Kafka at {bootstrap} exited while starting")
        # Probe the port first: refused connections are expected, aiokafka would log each one.
        if port_open(host, int(port)):
            try:
                await asyncio.wait_for(_round_trip(bootstrap), timeout=10)
                return
            except (KafkaError, OSError, TimeoutError) as exc:
                last_error = exc
        await asyncio.sleep(0.2)
    raise InfraError(f"Kafka at {bootstrap} not ready in time; last error: {last_error!r}")


def wait_for_kafka(bootstrap: str, timeout: float = 60.0, alive: Callable[[], bool] = lambda: True) -> None:
    """Block until an admin client completes a round trip with the broker."""
    run_async(_wait_for_kafka(bootstrap, time.monotonic() + timeout, alive))


class KafkaNode:
    """One KRaft broker+controller JVM whose state lives in `data_dir`."""

    def __init__(self, data_dir: Path, port: int, controller_port: int, libs_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.controller_port = controller_port
        self.libs_dir = libs_dir.resolve()
        self.properties_path = self.data_dir / "server.properties"
        self.pid_path = self.data_dir / "kafka.pid"
        self.output_path = self.data_dir / "kafka.out"
        self.logs_dir = self.data_dir / "logs"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker's pid while it runs."""
        if self._proc is not None:
            # Our own child: alive until it exits. Right after the fork its command line is not
            # java's yet, and the check below would call a starting broker dead.
            return self._proc.pid if self._proc.poll() is None else None
        pid = read_pid(self.pid_path)
        alive = pid is not None and process_alive(pid, str(self.properties_path))
        return pid if alive else None

    def start(self, timeout: float = 60.0) -> None:
        """Start the broker unless it runs already; return once it serves clients."""
        if self.pid is None:
            self._launch()
        try:
            wait_for_kafka(self.bootstrap, timeout, alive=lambda: self.pid is not None)
        except InfraError as exc:
            exit_code = self._proc.poll() if self._proc is not None else None
            self.kill()
            logs = "\n".join(tail(p) for p in (self.output_path, self.logs_dir / "server.log"))
            raise InfraError(f"{exc} (exit code {exit_code})\n{logs}") from None

    def stop(self, timeout: float = 20.0) -> None:
        """Controlled shutdown (SIGTERM); SIGKILL if it takes longer than `timeout`."""
        pid = self.pid
        if pid is not None:
            send_signal(pid, signal.SIGTERM)
            if not self._wait_exit(pid, timeout):
                log.warning("Kafka (pid %d) still up %.0fs after SIGTERM; killing it", pid, timeout)
                self.kill()
        self.pid_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the broker, as a crash would."""
        pid = self.pid
        if pid is not None:
            send_signal(pid, signal.SIGKILL)
            self._wait_exit(pid, 10.0)
        self.pid_path.unlink(missing_ok=True)

    def restart(self, timeout: float = 60.0) -> None:
        self.stop()
        self.start(timeout)

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        if self._proc is not None and self._proc.pid == pid:
            try:
                self._proc.wait(timeout)  # reaps our own child
            except subprocess.TimeoutExpired:
                return False
            return True
        return wait_gone([pid], str(self.properties_path), timeout)

    def _java(self, *args: str) -> list[str]:
        return [
            shutil.which("java") or "java",
            *JVM_FLAGS,
            f"-Dkafka.logs.dir={self.logs_dir}",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            f"{self.libs_dir}/*",
            *args,
        ]

    def _launch(self) -> None:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        settings = kafka_settings(self.port, self.controller_port, str(self.data_dir / "kraft"))
        self.properties_path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        (self.data_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
        if not (self.data_dir / "kraft" / "meta.properties").is_file():
            run(
                self._java(
                    "-Xmx256m",
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    self._cluster_id(),
                    "-c",
                    str(self.properties_path),
                    "--ignore-formatted",
                )
            )
        # Output to a file, never a pipe: an undrained pipe blocks the JVM at ~64 KB.
        with self.output_path.open("ab") as out:
            self._proc = subprocess.Popen(
                self._java("-Xms256m", "-Xmx512m", "kafka.Kafka", str(self.properties_path)),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,  # outlives the CLI and ignores its terminal's Ctrl-C
            )
        self.pid_path.write_text(f"{self._proc.pid}\n")

    def _cluster_id(self) -> str:
        path = self.data_dir / "cluster.id"
        if path.is_file():
            return path.read_text().strip()
        cluster_id = "-"
        while cluster_id.startswith("-"):  # would read as a command-line option
            cluster_id = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
        path.write_text(cluster_id + "\n")
        return cluster_id


async def _create_topics(
    bootstrap: str, partitions: Mapping[str, int], retention_ms: int, replication_factor: int
) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    configs = AUDIT_TOPIC_CONFIG | {"retention.ms": str(retention_ms)}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(name, count, replication_factor, topic_configs=configs)
            for name, count in partitions.items()
            if name not in existing
        ]
        if new:
            response = await admin.create_topics(new)
            topic_already_exists = 36  # a concurrent caller created it: fine
            failed = [e for e in response.topic_errors if e[1] not in (0, topic_already_exists)]
            if failed:
                raise InfraError(f"creating topics failed: {failed}")
    finally:
        await admin.close()


def create_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    retention_ms: int = -1,
    replication_factor: int = 1,
) -> None:
    """Create those of `names` that do not exist yet; existing topics are left as they are."""
    topics = dict.fromkeys(names, partitions)
    run_async(_create_topics(bootstrap, topics, retention_ms, replication_factor))


def create_topic_set(bootstrap: str, partitions: Mapping[str, int]) -> None:
    """Create missing topics, each with its own partition count, in one admin session."""
    run_async(_create_topics(bootstrap, partitions, -1, 1))


async def _topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    (resource,) = responses[0].resources
    error_code, error_message, _, _, entries = resource[:5]
    if error_code != 0:
        raise InfraError(f"describing topic {topic} failed: {error_code} {error_message}")
    return {entry[0]: entry[1] for entry in entries}


def topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    """A topic's effective configuration as the broker reports it."""
    return run_async(_topic_config(bootstrap, topic))
