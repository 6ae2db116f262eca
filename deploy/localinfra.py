"""Tangvat's local Kafka and PostgreSQL without Docker: `python deploy/localinfra.py up|down|status`.

Also importable (with deploy/ on sys.path): the building blocks live in tangvat_infra and are
re-exported here.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fcntl
import json
import logging
import os
import secrets
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tangvat_infra.install import ensure_kafka_jars, ensure_postgres, find_postgres
from tangvat_infra.kafka import (
    AUDIT_TOPIC_CONFIG,
    KAFKA_IMAGE,
    KafkaNode,
    create_topic_set,
    create_topics,
    kafka_settings,
    topic_config,
    wait_for_kafka,
)
from tangvat_infra.keycloak import KeycloakServer, ensure_keycloak
from tangvat_infra.postgres import POSTGRES_IMAGE, POSTGRES_SETTINGS, PostgresCluster, dsn, ensure_service_databases
from tangvat_infra.processes import InfraError, free_port

__all__ = [
    "AUDIT_TOPIC_CONFIG",
    "DLQ_TOPICS",
    "EVENT_TOPICS",
    "KAFKA_IMAGE",
    "POSTGRES_IMAGE",
    "POSTGRES_SETTINGS",
    "SERVICES",
    "InfraError",
    "KafkaNode",
    "LocalStack",
    "PostgresCluster",
    "all_topics",
    "create_project_topics",
    "create_topics",
    "dsn",
    "ensure_kafka_jars",
    "ensure_postgres",
    "ensure_service_databases",
    "free_port",
    "kafka_settings",
    "main",
    "topic_config",
    "wait_for_kafka",
]

log = logging.getLogger("tangvat.localinfra")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO_ROOT / ".cache"
DEFAULT_STATE = REPO_ROOT / ".run"

SERVICES = ("intake", "custody", "disposal", "audit")
EVENT_TOPICS = frozenset(f"{service}.events" for service in SERVICES)
DLQ_TOPICS = frozenset(f"{service}.dlq" for service in SERVICES)
EVENT_PARTITIONS = 6
DLQ_PARTITIONS = 1
DEFAULT_PORTS = {"kafka_port": 19092, "controller_port": 19093, "pg_port": 55432}
KEYCLOAK_PORT, KEYCLOAK_MANAGEMENT_PORT = 18080, 19000
IDENTITY_DATABASE = "keycloak"


def all_topics() -> dict[str, int]:
    """Every topic the project uses, with its partition count."""
    topics = dict.fromkeys(EVENT_TOPICS, EVENT_PARTITIONS)
    topics |= dict.fromkeys(DLQ_TOPICS, DLQ_PARTITIONS)
    return dict(sorted(topics.items()))


def create_project_topics(bootstrap: str) -> None:
    """Create whichever of the project's topics are missing."""
    create_topic_set(bootstrap, all_topics())


class LocalStack:
    """The project's Kafka and PostgreSQL under one state directory, and with `identity` the identity
    provider (Keycloak, on its own database of that PostgreSQL)."""

    def __init__(self, state: Path, kafka_port: int, controller_port: int, pg_port: int, *,
                 identity: bool = False, keycloak_port: int = KEYCLOAK_PORT,
                 keycloak_management_port: int = KEYCLOAK_MANAGEMENT_PORT) -> None:
        self.state = state.resolve()
        self.identity = identity
        # A test's stack passes its own free ports: `make up`'s Keycloak keeps 18080/19000.
        self.keycloak_port, self.keycloak_management_port = keycloak_port, keycloak_management_port
        self.keycloak: KeycloakServer | None = None
        libs = DEFAULT_CACHE / "kafka-libs"
        self.kafka = KafkaNode(self.state / "kafka", kafka_port, controller_port, libs)
        pg_bin = find_postgres() or Path("/usr/lib/postgresql/15/bin")
        self.postgres = PostgresCluster(self.state / "postgres", pg_port, pg_bin)
        self.env_path = self.state / "infra.env"
        self.passwords_path = self.state / "service-passwords.json"
        self.ports_path = self.state / "ports.json"

    @classmethod
    def open(
        cls, state: Path, kafka_port: int | None = None, controller_port: int | None = None, pg_port: int | None = None,
        *, identity: bool = False,
    ) -> LocalStack:
        """The stack on the ports given, else on those its last `up` used, else on the defaults."""
        saved = _read_json(state / "ports.json")
        given = {"kafka_port": kafka_port, "controller_port": controller_port, "pg_port": pg_port}
        ports = {key: int(saved.get(key, DEFAULT_PORTS[key])) if port is None else port for key, port in given.items()}
        return cls(state, **ports, identity=identity)

    @property
    def ports(self) -> dict[str, int]:
        return {
            "kafka_port": self.kafka.port,
            "controller_port": self.kafka.controller_port,
            "pg_port": self.postgres.port,
        }

    def up(self) -> dict[str, str]:
        """Install what is missing, start what is not running, provision; the services' env."""
        with self._exclusive():
            return self._up()

    def wait_identity_ready(self, timeout: float = 300.0) -> None:
        """Block until the identity provider answers OIDC discovery (`up` only launches it)."""
        if self.keycloak is not None:
            self.keycloak.wait_ready(timeout)

    def keycloak_pid(self) -> int | None:
        return self._keycloak_server(self._service_passwords()).pid

    def down(self) -> None:
        with self._exclusive():
            self._keycloak_server(self._service_passwords()).stop()
            self.kafka.stop()
            self.postgres.stop()

    def _keycloak_server(self, passwords: dict[str, str]) -> KeycloakServer:
        if self.keycloak is None:
            home = DEFAULT_CACHE / "keycloak-missing"
            if (DEFAULT_CACHE).is_dir():
                built = sorted(DEFAULT_CACHE.glob("keycloak-*/.tangvat-built"))
                home = built[-1].parent if built else home
            self.keycloak = KeycloakServer(
                home, self.state / "keycloak", port=self.keycloak_port, management_port=self.keycloak_management_port,
                db_url=f"jdbc:postgresql://127.0.0.1:{self.postgres.port}/{IDENTITY_DATABASE}",
                db_user=IDENTITY_DATABASE, db_password=passwords[IDENTITY_DATABASE],
                admin_password=passwords["keycloak-admin"])
        return self.keycloak

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Two `up`s racing on one state directory would start two brokers on one data dir."""
        self.state.mkdir(parents=True, exist_ok=True)
        with (self.state / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _up(self) -> dict[str, str]:
        saved = _read_json(self.ports_path)
        if saved and saved != self.ports and (self.kafka.pid or self.postgres.pid):
            raise InfraError(f"{self.state} is running on {saved}, not {self.ports}: run `down` first")
        self.kafka.libs_dir = ensure_kafka_jars(DEFAULT_CACHE)
        self.postgres.bin_dir = ensure_postgres()
        keycloak_home = ensure_keycloak(DEFAULT_CACHE) if self.identity else None
        # The JVM and initdb take seconds each: start them side by side.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            starts = [pool.submit(self.kafka.start), pool.submit(self.postgres.start)]
            for started in starts:
                started.result()
        admin_dsn = self.postgres.admin_dsn
        passwords = self._service_passwords()
        databases = {name: passwords[name] for name in (*SERVICES, *((IDENTITY_DATABASE,) if self.identity else ()))}
        dsns = ensure_service_databases(admin_dsn, databases)
        keycloak = None
        if keycloak_home is not None:
            keycloak = self._keycloak_server(passwords)
            keycloak.home = keycloak_home
            keycloak.launch()  # a JVM that takes tens of seconds: it boots while topics are made
        create_project_topics(self.kafka.bootstrap)
        env = {"TANGVAT_KAFKA_BOOTSTRAP": self.kafka.bootstrap}
        env |= {f"TANGVAT_{name.upper()}_DATABASE_URL": url for name, url in dsns.items() if name in SERVICES}
        env["TANGVAT_PG_ADMIN_DSN"] = admin_dsn
        if keycloak is not None:
            env["TANGVAT_OIDC_ISSUER"] = keycloak.issuer
            env["TANGVAT_KEYCLOAK_URL"] = keycloak.url
        self.ports_path.write_text(json.dumps(self.ports) + "\n")
        self._write_private(self.env_path, "".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()))
        return env

    def _service_passwords(self) -> dict[str, str]:
        """Generated once and kept: a second `up` must not lock out running services."""
        passwords: dict[str, str] = _read_json(self.passwords_path)
        names = (*SERVICES, IDENTITY_DATABASE, "keycloak-admin")
        if not all(passwords.get(name) for name in names):
            passwords = {name: passwords.get(name) or secrets.token_urlsafe(18) for name in names}
            self._write_private(self.passwords_path, json.dumps(passwords, indent=2) + "\n")
        return passwords

    @staticmethod
    def _write_private(path: Path, text: str) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(text)
        tmp.replace(path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _stack(args: argparse.Namespace) -> LocalStack:
    return LocalStack.open(args.state, args.kafka_port, args.kafka_controller_port, args.pg_port)


def _cmd_up(args: argparse.Namespace) -> int:
    began = time.monotonic()
    stack = _stack(args)
    env = stack.up()
    print(f"kafka     {env['TANGVAT_KAFKA_BOOTSTRAP']}  (logs in {stack.kafka.logs_dir})")
    print(f"postgres  127.0.0.1:{stack.postgres.port}  (log {stack.postgres.log_path})")
    print(f"env       {stack.env_path}  (set -a; . {stack.env_path}; set +a)")
    print(f"ready in {time.monotonic() - began:.1f}s")
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    _stack(args).down()
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    stack = _stack(args)
    rows = [
        ("kafka", stack.kafka.pid, stack.kafka.bootstrap),
        ("postgres", stack.postgres.pid, f"127.0.0.1:{stack.postgres.port}"),
    ]
    for name, pid, address in rows:
        print(f"{name:<9} up    pid {pid:<8} {address}" if pid else f"{name:<9} down")
    return 0 if all(pid for _, pid, _ in rows) else 3


def _cmd_topics(args: argparse.Namespace) -> int:
    wait_for_kafka(args.bootstrap, args.timeout)
    create_project_topics(args.bootstrap)
    print("topics:", " ".join(all_topics()))
    return 0


def add_infra_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`up`, `down` and `status` of the local stack; `topics` for any broker (e.g. Docker's)."""
    stack = argparse.ArgumentParser(add_help=False)
    stack.add_argument("--state", type=Path, default=DEFAULT_STATE, help="default: %(default)s")
    remembered = "default: as at the last `up`, else %s"
    stack.add_argument("--kafka-port", type=int, help=remembered % DEFAULT_PORTS["kafka_port"])
    stack.add_argument("--kafka-controller-port", type=int, help=remembered % DEFAULT_PORTS["controller_port"])
    stack.add_argument("--pg-port", type=int, help=remembered % DEFAULT_PORTS["pg_port"])
    for name, handler, summary in (
        ("up", _cmd_up, "install what is missing, start Kafka + PostgreSQL, provision them"),
        ("down", _cmd_down, "stop Kafka and PostgreSQL"),
        ("status", _cmd_status, "show which processes are up (exit 3 when one is down)"),
    ):
        commands.add_parser(name, parents=[stack], help=summary).set_defaults(handler=handler)
    topics = commands.add_parser("topics", help="create the project's topics on a broker")
    topics.add_argument("--bootstrap", required=True)
    topics.add_argument("--timeout", type=float, default=120.0, help="default: %(default)s")
    topics.set_defaults(handler=_cmd_topics)


def build_parser() -> argparse.ArgumentParser:
    """The CLI; another command group registers itself on the same subparsers."""
    parser = argparse.ArgumentParser(prog="localinfra", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add_infra_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("localinfra: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        code: int = args.handler(args)
    except InfraError as exc:
        print(f"localinfra: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
