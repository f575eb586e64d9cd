"""The audits service's settings. When a training survey falls due is not one of them: that is the
scheduling service's rule (training.follow_up, training.manager_survey)."""
import os
from typing import Any

from pydantic import Field, SecretStr

from safeguard_shared.settings import ServiceSettings

SERVICE = "audits"
DEFAULT_PORT = 8104


class AuditsSettings(ServiceSettings):
    # Until the partnership sets its exclusions (PUT /v1/sampling/exclusions), a case drawn for an audit
    # this many months ago or less is not drawn again; 0 (the default) excludes nothing, so the same
    # population and seed give the same cases (docs/architecture.md, "Stable interface").
    exclude_audited_within_months: int = Field(default=0, ge=0, le=120,
                                               validation_alias="AUDITS_EXCLUDE_AUDITED_WITHIN_MONTHS")
    # An overdue action is escalated again every so many days until it is completed or moved.
    action_escalate_every_days: int = Field(default=14, ge=1, le=365,
                                            validation_alias="AUDITS_ACTION_ESCALATE_EVERY_DAYS")
    # Training surveys (README, "Training surveys"): the address people open their survey link at, how
    # many days a link lives, the key it is signed with (unset: a key kept in the data folder), and the
    # static secret the notifications service asks for a survey's recipient with (unset: only a caller
    # on this machine, as in the embedded default).
    public_base_url: str = Field(default_factory=lambda: f"http://127.0.0.1:{os.environ.get('AUDITS_PORT') or 8104}",
                                 validation_alias="AUDITS_PUBLIC_BASE_URL")
    survey_link_days: int = Field(default=60, ge=1, le=365, validation_alias="AUDITS_SURVEY_LINK_DAYS")
    survey_link_key: SecretStr | None = Field(default=None, min_length=32, validation_alias="AUDITS_SURVEY_LINK_KEY")
    recipients_token: SecretStr | None = Field(default=None, min_length=16, validation_alias="AUDITS_RECIPIENTS_TOKEN")
    tick_seconds: float = Field(default=60.0, gt=0, le=3600, validation_alias="AUDITS_TICK_SECONDS")


def load_settings(**overrides: Any) -> AuditsSettings:
    settings: AuditsSettings = AuditsSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
    return settings
