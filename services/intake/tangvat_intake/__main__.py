"""Entry points: `python -m tangvat_intake api | relay | consume | migrate`."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from tangvat_intake import SERVICE
from tangvat_intake.settings import IntakeSettings
from tangvat_shared import runtime
from tangvat_shared.consumer import Handler
from tangvat_shared.files import file_store
from tangvat_shared.settings import PlatformSettings


def build_api(platform: PlatformSettings, settings: IntakeSettings) -> FastAPI:
    from tangvat_intake.api import build_app

    return build_app(settings.database_url, runtime.token_verifier(platform),
                     runtime.signing_key(SERVICE, platform, settings), pool_max_size=settings.pool_max_size,
                     files=file_store(settings, SERVICE))


def handlers() -> tuple[list[str], Mapping[str, Handler]]:
    """Custody's transfers (which warehouse holds an item now) and its warehouses (a CSV's destinations)."""
    from tangvat_intake.handlers import HANDLERS, SOURCES

    return SOURCES, HANDLERS


cli = runtime.service_cli(SERVICE, IntakeSettings, build_api=build_api, consumer=handlers)

if __name__ == "__main__":
    cli()
