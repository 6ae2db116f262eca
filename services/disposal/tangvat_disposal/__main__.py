"""Entry points: `python -m tangvat_disposal api | relay | consume | migrate`."""

from __future__ import annotations

import typer

from tangvat_disposal import SERVICE
from tangvat_disposal.settings import DisposalSettings
from tangvat_shared import runtime
from tangvat_shared.logs import configure_logging
from tangvat_shared.settings import PlatformSettings

cli = typer.Typer(add_completion=False, help="Tangvat disposal service")


def _settings() -> tuple[PlatformSettings, DisposalSettings]:
    platform = PlatformSettings()
    configure_logging(SERVICE, platform.log_level)
    return platform, DisposalSettings()


@cli.command()
def api() -> None:
    """Serve the HTTP API."""
    from tangvat_disposal.api import build_app

    platform, settings = _settings()
    app = build_app(settings.database_url, runtime.token_verifier(platform), pool_max_size=settings.pool_max_size,
                    max_items_per_batch=settings.max_items_per_batch)
    runtime.serve_api(app, settings)


@cli.command()
def relay() -> None:
    """Publish the disposal stream to Kafka."""
    platform, settings = _settings()
    runtime.run_relay(SERVICE, platform, settings)


@cli.command()
def consume() -> None:
    """Apply intake's and custody's events to disposal."""
    from tangvat_disposal.handlers import HANDLERS, SOURCES

    platform, settings = _settings()
    runtime.run_consumer(SERVICE, platform, settings, sources=SOURCES, handlers=HANDLERS)


@cli.command()
def migrate() -> None:
    """Apply database migrations."""
    _, settings = _settings()
    runtime.run_migrations(SERVICE, settings)


if __name__ == "__main__":
    cli()
