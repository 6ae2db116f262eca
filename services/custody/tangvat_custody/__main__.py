"""Entry points: `python -m tangvat_custody api | relay | consume | migrate`."""

from __future__ import annotations

from pathlib import Path

import typer

from tangvat_custody import SERVICE
from tangvat_custody.settings import CustodySettings
from tangvat_shared import runtime
from tangvat_shared.keys import load_public_key
from tangvat_shared.logs import configure_logging
from tangvat_shared.settings import PlatformSettings

cli = typer.Typer(add_completion=False, help="Tangvat custody service")


def _settings() -> tuple[PlatformSettings, CustodySettings]:
    platform = PlatformSettings()
    configure_logging(SERVICE, platform.log_level)
    return platform, CustodySettings()


@cli.command()
def api() -> None:
    """Serve the HTTP API."""
    from tangvat_custody.api import build_app

    platform, settings = _settings()
    label_key = load_public_key((Path(platform.keys_dir) / "intake.pub.pem").read_bytes())
    app = build_app(settings.database_url, runtime.token_verifier(platform), label_key,
                    pool_max_size=settings.pool_max_size, two_person_threshold_vnd=settings.two_person_threshold_vnd,
                    perishable_limit_days=settings.perishable_limit_days)
    runtime.serve_api(app, settings)


@cli.command()
def relay() -> None:
    """Publish the custody stream to Kafka."""
    platform, settings = _settings()
    runtime.run_relay(SERVICE, platform, settings)


@cli.command()
def consume() -> None:
    """Apply intake's and disposal's events to custody."""
    from tangvat_custody.handlers import HANDLERS, SOURCES

    platform, settings = _settings()
    runtime.run_consumer(SERVICE, platform, settings, sources=SOURCES, handlers=HANDLERS)


@cli.command()
def migrate() -> None:
    """Apply database migrations."""
    _, settings = _settings()
    runtime.run_migrations(SERVICE, settings)


if __name__ == "__main__":
    cli()
