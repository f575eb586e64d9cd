from typing import Any

from pydantic import Field

from safeguard_shared.settings import ServiceSettings

SERVICE = "scheduling"
DEFAULT_PORT = 8102


class SchedulingSettings(ServiceSettings):
    # The partnership's local rules and closure days (see scheduling/rules/timescales.yaml's header).
    rules_override_file: str | None = Field(default=None, validation_alias="SCHEDULING_RULES_OVERRIDE_FILE")
    reminder_lead_working_days: int = Field(default=2, ge=0, le=30,
                                            validation_alias="SCHEDULING_REMINDER_LEAD_WORKING_DAYS")
    escalate_every_working_days: int = Field(default=2, ge=1, le=60,
                                             validation_alias="SCHEDULING_ESCALATE_EVERY_WORKING_DAYS")
    tick_seconds: float = Field(default=5.0, gt=0, le=3600, validation_alias="SCHEDULING_TICK_SECONDS")


def load_settings(**overrides: Any) -> SchedulingSettings:
    settings: SchedulingSettings = SchedulingSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
    return settings
