"""Entry points: `python -m tangvat_custody api | relay | consume | migrate`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI

from tangvat_custody import SERVICE
from tangvat_custody.settings import CustodySettings
from tangvat_shared import runtime
from tangvat_shared.consumer import Handler
from tangvat_shared.files import file_store
from tangvat_shared.keys import load_public_key
from tangvat_shared.settings import PlatformSettings


def build_api(platform: PlatformSettings, settings: CustodySettings) -> FastAPI:
    from tangvat_custody.api import build_app

    label_key = load_public_key((Path(platform.keys_dir) / "intake.pub.pem").read_bytes())
    return build_app(settings.database_url, runtime.token_verifier(platform), label_key,
                     pool_max_size=settings.pool_max_size, two_person_threshold_vnd=settings.two_person_threshold_vnd,
                     perishable_limit_days=settings.perishable_limit_days,
                     two_person_window_hours=settings.two_person_window_hours,
                     location_key=runtime.signing_key(SERVICE, platform, settings),
                     files=file_store(settings, SERVICE))


def handlers() -> tuple[list[str], Mapping[str, Handler]]:
    """Intake's and disposal's events, applied to custody."""
    from tangvat_custody.handlers import HANDLERS, SOURCES

    return SOURCES, HANDLERS


cli = runtime.service_cli(SERVICE, CustodySettings, build_api=build_api, consumer=handlers)

if __name__ == "__main__":
    cli()
