"""Custody settings (environment prefix TANGVAT_CUSTODY_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from tangvat_shared.settings import ServiceSettings


class CustodySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TANGVAT_CUSTODY_", extra="ignore")

    database_url: str = "postgresql://custody:custody@127.0.0.1:55432/custody"
    http_port: int = 8002
    # Two-person rule: check-out, transfer dispatch above this total value need a second person.
    two_person_threshold_vnd: int = 100_000_000
    # ... weighed over what one person moved alone in one warehouse within this many hours.
    two_person_window_hours: float = 24.0
    # Perishables stored longer than this are listed as past their limit.
    perishable_limit_days: int = 30
