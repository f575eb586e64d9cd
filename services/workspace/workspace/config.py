"""The workspace's settings: where the other services answer, how people sign in, where assets are."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field

from safeguard_shared.settings import ServiceSettings

SERVICE = "workspace"
DEFAULT_PORT = 8100

# `make install` unpacks the released GOV.UK Frontend here (git-ignored; scripts/fetch_govuk_frontend.py).
DEFAULT_ASSETS_DIR = Path(__file__).parent / "entrypoints" / "static" / "govuk-frontend"


class WorkspaceSettings(ServiceSettings):
    referrals_url: str = Field(default="http://127.0.0.1:8101", validation_alias="WORKSPACE_REFERRALS_URL")
    scheduling_url: str = Field(default="http://127.0.0.1:8102", validation_alias="WORKSPACE_SCHEDULING_URL")
    notifications_url: str = Field(default="http://127.0.0.1:8103", validation_alias="WORKSPACE_NOTIFICATIONS_URL")
    audits_url: str = Field(default="http://127.0.0.1:8104", validation_alias="WORKSPACE_AUDITS_URL")
    reporting_url: str = Field(default="http://127.0.0.1:8105", validation_alias="WORKSPACE_REPORTING_URL")
    # The local sign-in mints tokens with the embedded default's issuer; it is offered only while that
    # issuer is the one the services trust (no AUTH_JWKS_URL), and can be switched off outright.
    local_sign_in: bool = Field(default=True, validation_alias="WORKSPACE_LOCAL_SIGN_IN")
    # Cookies are Secure unless the workspace is reached on this machine only.
    public_url: str = Field(default="http://127.0.0.1:8100", validation_alias="WORKSPACE_PUBLIC_URL")
    session_hours: int = Field(default=8, validation_alias="WORKSPACE_SESSION_HOURS")
    assets_dir: Path = Field(default=DEFAULT_ASSETS_DIR, validation_alias="WORKSPACE_ASSETS_DIR")
    api_timeout_seconds: float = Field(default=10.0, validation_alias="WORKSPACE_API_TIMEOUT_SECONDS")
    # OpenID Connect (authorisation code + PKCE) against the partnership's identity provider, e.g. Entra ID.
    oidc_issuer: str | None = Field(default=None, validation_alias="WORKSPACE_OIDC_ISSUER")
    oidc_client_id: str | None = Field(default=None, validation_alias="WORKSPACE_OIDC_CLIENT_ID")
    oidc_client_secret: str | None = Field(default=None, validation_alias="WORKSPACE_OIDC_CLIENT_SECRET")
    oidc_scope: str = Field(default="openid profile", validation_alias="WORKSPACE_OIDC_SCOPE")
    oidc_name_claim: str = Field(default="name", validation_alias="WORKSPACE_OIDC_NAME_CLAIM")
    oidc_agency_claim: str = Field(default="agency", validation_alias="WORKSPACE_OIDC_AGENCY_CLAIM")
    oidc_roles_claim: str = Field(default="roles", validation_alias="WORKSPACE_OIDC_ROLES_CLAIM")

    @property
    def issuer_dir(self) -> Path:
        return Path(self.data_dir) / "issuer"

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def oidc_redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + "/sign-in/oidc/callback"

    @property
    def cookies_secure(self) -> bool:
        from urllib.parse import urlparse

        host = urlparse(self.public_url).hostname or ""
        return not (host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost"))


def load_settings(**overrides: object) -> WorkspaceSettings:
    settings: WorkspaceSettings = WorkspaceSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
    return settings
