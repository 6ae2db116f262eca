"""Web settings (environment prefix TANGVAT_WEB_)."""

from __future__ import annotations

from urllib.parse import urlsplit

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
    # Where browsers reach this front: the identity provider redirects back to <public_url>/signin/callback.
    public_url: str = "http://127.0.0.1:8005"
    # The front's client at the identity provider (public, Authorization Code + PKCE).
    oidc_client_id: str = "tangvat-web"
    # The Host headers answered (public_url's host always is): a DNS-rebinding page names its own host.
    allowed_hosts: list[str] = ["127.0.0.1", "localhost"]

    def hosts(self) -> list[str]:
        public = urlsplit(self.public_url).hostname
        return sorted({*(h.lower() for h in self.allowed_hosts), *((public.lower(),) if public else ())})
