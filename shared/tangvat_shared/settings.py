"""Settings read from the environment; each service subclasses with its own prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    """What all services share: where Kafka is and whose tokens and labels to trust."""

    model_config = SettingsConfigDict(env_prefix="TANGVAT_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:19092"
    auth_public_key_file: Path = Path(".run/keys/auth.pub.pem")
    keys_dir: Path = Path(".run/keys")
    log_level: str = "INFO"
    # The identity provider whose access tokens the services accept (Keycloak's realm URL, or an
    # agency's own OIDC issuer). Unset: tokens of the local test issuer (auth_public_key_file).
    oidc_issuer: str | None = None
    # Where the services read the issuer's discovery document when they reach the provider by another
    # address than browsers do (docker-compose: http://keycloak:8080/... for an issuer of localhost:8080).
    oidc_discovery_url: str | None = None
    oidc_audience: str = "tangvat"
    oidc_algorithms: tuple[str, ...] = ("RS256",)
    oidc_user_claim: str = "preferred_username"


class ServiceSettings(BaseSettings):
    """Per-service settings; subclasses set env_prefix (TANGVAT_INTAKE_, ...)."""

    database_url: str
    http_host: str = "127.0.0.1"
    http_port: int
    metrics_port: int | None = None
    # The relay's and consumer's metrics listen apart from the API: on this machine only, even where
    # the API listens on every interface (docker-compose), unless an operator opens them on purpose.
    metrics_host: str = "127.0.0.1"
    signing_key_file: Path | None = None
    pool_max_size: int = 10
    relay_batch_size: int = 5000
    relay_lease_seconds: float = 10.0
    # The file store (photos, documents, signed PDFs by SHA-256, `tangvat_shared.files`): this directory, by default
    # .run/files/<service>; or, when a bucket is named, that S3-compatible bucket (credentials: these two, or the
    # usual AWS_* environment and profile chain when unset).
    files_dir: Path | None = None
    files_s3_bucket: str | None = None
    files_s3_prefix: str = ""
    files_s3_endpoint: str | None = None
    files_s3_region: str = "us-east-1"
    files_s3_access_key: str | None = None
    files_s3_secret_key: str | None = None
