from typing import Any

from pydantic import Field

from safeguard_shared.settings import ServiceSettings

SERVICE = "reporting"
DEFAULT_PORT = 8105


class ReportingSettings(ServiceSettings):
    # The partnership's reporting year starts on the first day of this month (April: 1 April - 31 March).
    year_start_month: int = Field(default=4, ge=1, le=12, validation_alias="REPORTING_YEAR_START_MONTH")
    partnership_name: str = Field(default="Safeguarding partnership", validation_alias="REPORTING_PARTNERSHIP_NAME")


def load_settings(**overrides: Any) -> ReportingSettings:
    settings: ReportingSettings = ReportingSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
    return settings
