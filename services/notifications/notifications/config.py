from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from safeguard_shared.settings import ServiceSettings

SERVICE = "notifications"
DEFAULT_PORT = 8103


class NotificationSettings(ServiceSettings):
    # Where the embedded default delivers: one .eml file per message, so a person can open it.
    outbox_dir: str | None = Field(default=None, validation_alias="NOTIFICATIONS_OUTBOX_DIR")
    sender: str = Field(default="safeguarding-partnership@localhost", validation_alias="NOTIFICATIONS_SENDER")
    directory_file: str | None = Field(default=None, validation_alias="NOTIFICATIONS_DIRECTORY_FILE")
    partnership: str = Field(default="safeguarding partnership", validation_alias="NOTIFICATIONS_PARTNERSHIP")
    # How a recipient reaches the partnership's business unit: at the foot of every message and letter.
    # The defaults are EXAMPLES (a reserved telephone number and domain): set your own before go-live.
    partnership_address: str = Field(
        default="Example House, 1 Example Street, Exampletown EX1 1AA",
        validation_alias="NOTIFICATIONS_PARTNERSHIP_ADDRESS")  # lines separated by commas
    partnership_phone: str = Field(default="01632 960000", validation_alias="NOTIFICATIONS_PARTNERSHIP_PHONE")
    partnership_email: str = Field(default="business-unit@partnership.example",
                                   validation_alias="NOTIFICATIONS_PARTNERSHIP_EMAIL")
    # outbox (the .eml folder) or smtp. Unset: smtp when SMTP_HOST is set, else outbox — so the
    # embedded default writes files and a deployment that names its relay uses it.
    # The public address of the partnership's workspace: every message that mentions a page links to it
    # (a case's by its page, which needs sign-in). The embedded default's workspace; `safeguard up` sets it.
    workspace_url: str = Field(default="http://127.0.0.1:8100", validation_alias="NOTIFICATIONS_WORKSPACE_URL")
    channel: Literal["outbox", "smtp"] | None = Field(default=None, validation_alias="NOTIFICATIONS_CHANNEL")
    smtp_host: str | None = Field(default=None, validation_alias="SMTP_HOST")
    smtp_port: int | None = Field(default=None, validation_alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, validation_alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="SMTP_PASSWORD")
    # True: require STARTTLS; false: never; unset: use it whenever the relay offers it.
    smtp_starttls: bool | None = Field(default=None, validation_alias="SMTP_STARTTLS")
    smtp_tls: bool = Field(default=False, validation_alias="SMTP_TLS")  # implicit TLS (port 465)
    smtp_timeout: float = Field(default=60.0, validation_alias="SMTP_TIMEOUT")
    smtp_ca_file: str | None = Field(default=None, validation_alias="SMTP_CA_FILE")
    # Delivery: exponential back-off from retry_base_seconds, capped, max_attempts in all.
    max_attempts: int = Field(default=10, ge=1, validation_alias="NOTIFICATIONS_MAX_ATTEMPTS")
    retry_base_seconds: float = Field(default=60.0, gt=0, validation_alias="NOTIFICATIONS_RETRY_BASE_SECONDS")
    retry_max_seconds: float = Field(default=3600.0, gt=0, validation_alias="NOTIFICATIONS_RETRY_MAX_SECONDS")
    # A message left `sending` longer than this by a dispatcher that never recorded the result is in
    # doubt (README). It must be longer than any one hand-over can take: SMTP_TIMEOUT and then some.
    sending_lease_seconds: float = Field(default=300.0, gt=0, validation_alias="NOTIFICATIONS_SENDING_LEASE_SECONDS")
    # Training surveys: the audits service, asked for a survey's recipient and link when its message is
    # sent, and the static secret it asks for (its AUDITS_RECIPIENTS_TOKEN; unset, it answers only
    # this machine, as in the embedded default).
    audits_url: str = Field(default_factory=lambda: f"http://127.0.0.1:{os.environ.get('AUDITS_PORT') or 8104}",
                            validation_alias="NOTIFICATIONS_AUDITS_URL")
    audits_token: SecretStr | None = Field(default=None, min_length=16, validation_alias="NOTIFICATIONS_AUDITS_TOKEN")
    # The completed rapid review template: the referrals service, asked for its free text when the
    # Panel's message is sent, and the static secret it asks for (its REFERRALS_SERVICE_TOKEN; unset, it
    # answers only this machine, as in the embedded default).
    referrals_url: str = Field(
        default_factory=lambda: f"http://127.0.0.1:{os.environ.get('REFERRALS_PORT') or 8101}",
        validation_alias="NOTIFICATIONS_REFERRALS_URL")
    referrals_token: SecretStr | None = Field(default=None, min_length=16,
                                              validation_alias="NOTIFICATIONS_REFERRALS_TOKEN")
    pdf_font_file: str | None = Field(default=None, validation_alias="NOTIFICATIONS_PDF_FONT_FILE")
    # Who this replica is, recorded on every claim: at start a replica resolves its own claims left
    # `sending` at once (in doubt), and leaves other replicas' to their lease. It must be stable across
    # a restart of the same replica and never shared by two running at once. Unset: the host's name and
    # a digest of the data folder (see default_replica_id); in Kubernetes set it from the pod's name
    # in a StatefulSet (README).
    replica_id: str = Field(default="", max_length=120, validation_alias="NOTIFICATIONS_REPLICA_ID")

    @model_validator(mode="after")
    def _channel_is_usable(self) -> NotificationSettings:
        if not self.replica_id:
            self.replica_id = default_replica_id(self.data_dir)
        if self.resolved_channel == "smtp" and not self.smtp_host:
            raise ValueError("NOTIFICATIONS_CHANNEL=smtp needs SMTP_HOST")
        if self.smtp_tls and self.smtp_starttls:
            raise ValueError("SMTP_TLS and SMTP_STARTTLS are alternatives: set one of them")
        if self.resolved_channel == "smtp" and self.sending_lease_seconds <= self.smtp_timeout:
            raise ValueError("NOTIFICATIONS_SENDING_LEASE_SECONDS must be longer than SMTP_TIMEOUT")
        return self

    @property
    def contact(self) -> dict[str, Any]:
        """The partnership's contact details as the templates show them (the address one line a part)."""
        return {"address": [part.strip() for part in self.partnership_address.split(",") if part.strip()],
                "phone": self.partnership_phone, "email": self.partnership_email}

    @property
    def resolved_channel(self) -> str:
        return self.channel or ("smtp" if self.smtp_host else "outbox")


def default_replica_id(data_dir: str | Path) -> str:
    """The host's name and a digest of the data folder's absolute path: stable for one process started
    again on the same host and folder, different for two replicas on one host with folders of their own."""
    folder = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:12]
    return f"{socket.gethostname()[:100]}:{folder}"


def load_settings(**overrides: Any) -> NotificationSettings:
    settings: NotificationSettings = NotificationSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
    return settings
