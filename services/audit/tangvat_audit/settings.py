"""Auditor service settings (environment prefix TANGVAT_AUDIT_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tangvat_shared.files import FILE_SERVICES, StoreConfig
from tangvat_shared.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TANGVAT_AUDIT_", extra="ignore")

    database_url: str = "postgresql://audit:audit@127.0.0.1:55432/audit"
    http_port: int = 8004
    # Each service's file store, as JSON {"custody": {"dir": ...} | {"s3_bucket": ...}, ...}: the auditor checks
    # that every file an event names is in its service's store, unaltered. Unset: the services' default directories.
    file_stores: dict[str, StoreConfig] = Field(default_factory=lambda: {s: StoreConfig() for s in FILE_SERVICES})
