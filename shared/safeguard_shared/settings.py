"""Settings common to every service (pydantic-settings; environment variables win).

Per-service values are read with the service's prefix first, so one environment can describe
five services: ``REFERRALS_DATABASE_URL`` for referrals, ``SCHEDULING_DATABASE_URL`` …
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Self

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .bus.access import BusCredentials

# The default bounds of a request body (SAFEGUARD_MAX_BODY_BYTES, SAFEGUARD_MAX_UPLOAD_BYTES).
MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 16 * 1024 * 1024


class ServiceSettings(BaseSettings):
    # populate_by_name: code may pass a field by its name (bus_namespace=…) as well as by its
    # environment alias (SAFEGUARD_BUS_NAMESPACE=…); without it the former is silently dropped.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8100
    data_dir: Path = Field(default=Path("var"), validation_alias="SAFEGUARD_DATA_DIR")
    database_url: str | None = None
    nats_url: str = Field(default="nats://127.0.0.1:4250", validation_alias="NATS_URL")
    # The service's own user on the broker (bus/access.py says what each may do). Unset, the connection
    # carries no credentials: fine for a development server without authorization, refused by one with.
    nats_user: str | None = Field(default=None, validation_alias="NATS_USER")
    nats_password: str | None = Field(default=None, validation_alias="NATS_PASSWORD", repr=False)
    # A tls:// NATS_URL is verified against the system's certificate authorities, or this file's.
    nats_tls_ca_file: Path | None = Field(default=None, validation_alias="NATS_TLS_CA_FILE")
    # Prefixes stream names and subjects so that test runs on a shared server never meet each other.
    bus_namespace: str = Field(default="", validation_alias="SAFEGUARD_BUS_NAMESPACE")
    stream_replicas: int = Field(default=1, validation_alias="SAFEGUARD_STREAM_REPLICAS")
    today: date | None = Field(default=None, validation_alias="SAFEGUARD_TODAY")
    # Bearer tokens: a local issuer's public key file (embedded default) or an OIDC issuer's JWKS.
    auth_public_key_file: Path | None = Field(default=None, validation_alias="AUTH_PUBLIC_KEY_FILE")
    auth_jwks_url: str | None = Field(default=None, validation_alias="AUTH_JWKS_URL")
    auth_issuer: str = Field(default="safeguard-local", validation_alias="AUTH_ISSUER")
    auth_audience: str = Field(default="safeguard", validation_alias="AUTH_AUDIENCE")
    # The largest request body a route reads (413 beyond), and the larger one of the routes taking a
    # CSV file (audits' sample population, the training importer).
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, gt=0, validation_alias="SAFEGUARD_MAX_BODY_BYTES")
    max_upload_bytes: int = Field(default=MAX_UPLOAD_BYTES, gt=0, validation_alias="SAFEGUARD_MAX_UPLOAD_BYTES")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    # The static bearer credential Prometheus scrapes /metrics with; unset, /metrics answers only
    # requests from this machine (127.0.0.1 or ::1). See docs/architecture.md, "Running it".
    metrics_token: str | None = Field(default=None, min_length=16, validation_alias="SAFEGUARD_METRICS_TOKEN",
                                      repr=False)

    @classmethod
    def for_service(cls, name: str, default_port: int, **overrides: Any) -> Self:
        """Settings for one service: ``<NAME>_DATABASE_URL`` and ``<NAME>_PORT`` from the environment."""
        prefix = name.upper()
        values: dict[str, Any] = {"service_name": name, "port": default_port}
        if os.environ.get(f"{prefix}_DATABASE_URL"):
            values["database_url"] = os.environ[f"{prefix}_DATABASE_URL"]
        if os.environ.get(f"{prefix}_PORT"):
            values["port"] = int(os.environ[f"{prefix}_PORT"])
        if os.environ.get(f"{prefix}_HOST"):
            values["host"] = os.environ[f"{prefix}_HOST"]
        values.update(overrides)
        return cls(**values)

    def bus_credentials(self) -> BusCredentials:
        return BusCredentials(self.nats_user, self.nats_password, self.nats_tls_ca_file)

    def resolved_database_url(self) -> str:
        """The configured URL, else a SQLite file of this service's own under the data folder."""
        if self.database_url:
            return self.database_url
        path = Path(self.data_dir).resolve() / f"{self.service_name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"
