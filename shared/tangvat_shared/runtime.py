"""Process entry points every service shares: run the API, the relay, or a consumer."""

from __future__ import annotations

import asyncio
import gc
import signal
import threading
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TypeVar
from wsgiref.simple_server import WSGIServer

import structlog
import typer
import uvicorn
import uvloop
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from prometheus_client import start_http_server

from tangvat_shared.auth import TokenVerifier, Verifier
from tangvat_shared.consumer import Handler, IdempotentConsumer
from tangvat_shared.db import SHARED_MIGRATIONS, create_pool, migrate
from tangvat_shared.kafka import dead_letter_topic, event_topic, make_consumer, make_producer
from tangvat_shared.keys import load_private_key, load_public_key
from tangvat_shared.logs import configure_logging
from tangvat_shared.oidc import OidcKeys, OidcTokenVerifier
from tangvat_shared.relay import Relay, RelayConfig, relay_application_name
from tangvat_shared.settings import PlatformSettings, ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

log = structlog.get_logger("tangvat.runtime")


def tune_gc(young: int = 50_000) -> None:
    """Fewer cyclic-GC passes: a bulk request allocates ~10 objects per item and frees them all
    by reference counting; with the default threshold (700) the collector rescans the growing
    young heap thousands of times per large registration. Start-up objects are frozen out of it."""
    gc.freeze()
    gc.set_threshold(young, 20, 20)


def token_verifier(platform: PlatformSettings) -> Verifier:
    """The identity provider's verifier when one is configured, else the local issuer's (tests, benchmarks)."""
    if platform.oidc_issuer:
        keys = OidcKeys(platform.oidc_issuer, discovery_url=platform.oidc_discovery_url)
        return OidcTokenVerifier(keys, audience=platform.oidc_audience,
                                 algorithms=platform.oidc_algorithms, user_claim=platform.oidc_user_claim)
    return TokenVerifier(load_public_key(Path(platform.auth_public_key_file).read_bytes()))


def signing_key(service: str, platform: PlatformSettings, settings: ServiceSettings) -> Ed25519PrivateKey:
    path = settings.signing_key_file or Path(platform.keys_dir) / f"{service}.pem"
    return load_private_key(Path(path).read_bytes())


def run_migrations(service: str, settings: ServiceSettings) -> None:
    components = [SHARED_MIGRATIONS, (service, f"tangvat_{service}.migrations")]
    applied = asyncio.run(migrate(settings.database_url, components))
    log.info("migrations.applied", service=service, applied=applied)


def serve_api(app: FastAPI, settings: ServiceSettings) -> None:
    tune_gc()
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning",
                access_log=False, loop="uvloop", http="httptools")


async def _until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await main(stop)


def relay_session_settings(lease_seconds: float, stream: str) -> dict[str, str]:
    """A relay paused inside a transaction (SIGSTOP, a frozen VM) would hold the stream head's
    row lock and block its successor forever; PostgreSQL ends such a session after one lease, and a
    successor ends one stuck otherwise (Relay.try_acquire finds it by its application name)."""
    return {"idle_in_transaction_session_timeout": str(int(lease_seconds * 1000)),
            "application_name": relay_application_name(stream)}


def start_metrics(settings: ServiceSettings, port: int) -> tuple[WSGIServer, threading.Thread]:
    """Serve this process's metrics on metrics_host (localhost unless configured), never on http_host."""
    server, thread = start_http_server(port, addr=settings.metrics_host)
    return server, thread


def run_relay(service: str, platform: PlatformSettings, settings: ServiceSettings) -> None:
    key = signing_key(service, platform, settings)
    tune_gc()
    if settings.metrics_port:
        start_metrics(settings, settings.metrics_port)

    async def main(stop: asyncio.Event) -> None:
        pool = await create_pool(settings.database_url, max_size=3, server_settings=relay_session_settings(
            settings.relay_lease_seconds, service))
        producer = make_producer(platform.kafka_bootstrap, client_id=f"{service}-relay")
        await producer.start()
        try:
            config = RelayConfig(stream=service, topic=event_topic(service), batch_size=settings.relay_batch_size,
                                 lease_seconds=settings.relay_lease_seconds)
            await Relay(pool, producer, config, key).run(stop)
        finally:
            await producer.stop()
            await pool.close()

    asyncio.run(_until_signalled(main))


def run_consumer(service: str, platform: PlatformSettings, settings: ServiceSettings, *,
                 sources: list[str], handlers: Mapping[str, Handler]) -> None:
    # A consumer holds two batches of parsed events (one in the database, one read ahead), 100k-200k
    # objects that all die by reference counting; at 50k the collector ran ~25 passes of ~30 ms over
    # them per 77k events, a sixth of the consumer's CPU. At 200k it runs about never.
    tune_gc(young=200_000)
    if settings.metrics_port:
        start_metrics(settings, settings.metrics_port + 1)

    async def main(stop: asyncio.Event) -> None:
        pool = await create_pool(settings.database_url, max_size=3)
        consumer = make_consumer(platform.kafka_bootstrap, group_id=service,
                                 topics=[event_topic(s) for s in sources], client_id=f"{service}-consumer")
        dlq = make_producer(platform.kafka_bootstrap, client_id=f"{service}-dlq")
        await consumer.start()
        await dlq.start()
        try:
            await IdempotentConsumer(pool, consumer, dlq, group=service, dlq_topic=dead_letter_topic(service),
                                     handlers=handlers).run(stop)
        finally:
            await consumer.stop()
            await dlq.stop()
            await pool.close()

    # uvloop, as the API already runs on: asyncpg and the fetches cost the consumer ~13% less CPU
    # (76,804 events in-process: 14.4k -> 16.7k events/s). The relay measured the same on both loops.
    uvloop.run(_until_signalled(main))


def service_cli(service: str, settings_type: type[S], *, build_api: Callable[[PlatformSettings, S], FastAPI],
                consumer: Callable[[], tuple[list[str], Mapping[str, Handler]]] | None = None,
                cli: typer.Typer | None = None) -> typer.Typer:
    """A service's command line: `api`, `relay`, `migrate`, and `consume` where it reads other streams.

    `build_api` and `consumer` are called only by the command that needs them, so a relay never
    imports the web stack and the API never imports the handlers."""
    cli = cli or typer.Typer(add_completion=False, help=f"Tangvat {service} service")

    def load() -> tuple[PlatformSettings, S]:
        platform = PlatformSettings()
        configure_logging(service, platform.log_level)
        return platform, settings_type()

    @cli.command()
    def api() -> None:
        """Serve the HTTP API."""
        platform, settings = load()
        serve_api(build_api(platform, settings), settings)

    @cli.command()
    def relay() -> None:
        """Publish this service's stream to Kafka."""
        platform, settings = load()
        run_relay(service, platform, settings)

    if consumer is not None:
        load_handlers = consumer

        @cli.command()
        def consume() -> None:
            """Apply the events of the streams this service reads."""
            platform, settings = load()
            sources, handlers = load_handlers()
            run_consumer(service, platform, settings, sources=sources, handlers=handlers)

    @cli.command()
    def migrate() -> None:
        """Apply database migrations."""
        _, settings = load()
        run_migrations(service, settings)

    return cli
