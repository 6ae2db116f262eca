"""Entry points: `python -m tangvat_intake api | relay | migrate`."""

from __future__ import annotations

import typer

from tangvat_intake import SERVICE
from tangvat_intake.settings import IntakeSettings
from tangvat_shared import runtime
from tangvat_shared.logs import configure_logging
from tangvat_shared.settings import PlatformSettings

cli = typer.Typer(add_completion=False, help="Tangvat intake service")


def _settings() -> tuple[PlatformSettings, IntakeSettings]:
    platform = PlatformSettings()
    configure_logging(SERVICE, platform.log_level)
    return platform, IntakeSettings()


@cli.command()
def api() -> None:
    """Serve the HTTP API."""
    from tangvat_intake.api import build_app

    platform, settings = _settings()
    app = build_app(settings.database_url, runtime.token_verifier(platform),
                    runtime.signing_key(SERVICE, platform, settings), pool_max_size=settings.pool_max_size)
    runtime.serve_api(app, settings)


@cli.command()
def relay() -> None:
    """Publish the intake stream to Kafka."""
    platform, settings = _settings()
    runtime.run_relay(SERVICE, platform, settings)


@cli.command()
def migrate() -> None:
    """Apply database migrations."""
    _, settings = _settings()
    runtime.run_migrations(SERVICE, settings)


if __name__ == "__main__":
    cli()
