"""Auditor service settings (environment prefix TANGVAT_AUDIT_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from tangvat_shared.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TANGVAT_AUDIT_", extra="ignore")

    database_url: str = "postgresql://audit:audit@127.0.0.1:55432/audit"
    http_port: int = 8004
