from pydantic import Field

from safeguard_shared.settings import ServiceSettings

SERVICE = "notifications"
DEFAULT_PORT = 8103


class NotificationSettings(ServiceSettings):
    # Where the embedded default delivers: one .eml file per message, so a person can open it.
    outbox_dir: str | None = Field(default=None, validation_alias="NOTIFICATIONS_OUTBOX_DIR")
    sender: str = Field(default="safeguarding-partnership@localhost", validation_alias="NOTIFICATIONS_SENDER")
    directory_file: str | None = Field(default=None, validation_alias="NOTIFICATIONS_DIRECTORY_FILE")


def load_settings(**overrides) -> NotificationSettings:
    return NotificationSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
