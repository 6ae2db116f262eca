"""Web settings (environment prefix TANGVAT_WEB_)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANGVAT_WEB_", extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = 8005
    intake_url: str = "http://127.0.0.1:8001"
    custody_url: str = "http://127.0.0.1:8002"
    disposal_url: str = "http://127.0.0.1:8003"
    # The auditor service (services/audit): replays run there, so every export is recorded in its stream.
    auditor_url: str = "http://127.0.0.1:8004"
    upstream_timeout_seconds: float = 300.0  # a full audit replay answers only when it is done
    # Development only: when set, the sign-in page can mint tokens with this private key.
    dev_mint_key_file: Path | None = None
