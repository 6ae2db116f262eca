"""Intake settings (environment prefix TANGVAT_INTAKE_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from tangvat_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TANGVAT_INTAKE_", extra="ignore")

    database_url: str = "postgresql://intake:intake@127.0.0.1:55432/intake"
    http_port: int = 8001
    max_items_per_seizure: int = 100_000
