"""Entry points: `python -m tangvat_disposal api | relay | consume | migrate`."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from tangvat_disposal import SERVICE
from tangvat_disposal.settings import DisposalSettings
from tangvat_shared import runtime
from tangvat_shared.consumer import Handler
from tangvat_shared.files import file_store
from tangvat_shared.settings import PlatformSettings


def build_api(platform: PlatformSettings, settings: DisposalSettings) -> FastAPI:
    from tangvat_disposal.api import build_app

    return build_app(settings.database_url, runtime.token_verifier(platform), pool_max_size=settings.pool_max_size,
                     max_items_per_batch=settings.max_items_per_batch, files=file_store(settings, SERVICE))


def handlers() -> tuple[list[str], Mapping[str, Handler]]:
    """Intake's and custody's events, applied to disposal."""
    from tangvat_disposal.handlers import HANDLERS, SOURCES

    return SOURCES, HANDLERS


cli = runtime.service_cli(SERVICE, DisposalSettings, build_api=build_api, consumer=handlers)

if __name__ == "__main__":
    cli()
