"""Disposal settings (environment prefix TANGVAT_DISPOSAL_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from tangvat_shared.settings import ServiceSettings


class DisposalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TANGVAT_DISPOSAL_", extra="ignore")

    database_url: str = "postgresql://disposal:disposal@127.0.0.1:55432/disposal"
    http_port: int = 8003
    max_items_per_batch: int = 100_000
