from pydantic import Field

from safeguard_shared.settings import ServiceSettings

SERVICE = "referrals"
DEFAULT_PORT = 8101


class ReferralsSettings(ServiceSettings):
    # A partnership may hold the national Panel's notification until the local authority confirms it
    # (the 5-working-day clock runs from awareness either way). Default: notify at once.
    panel_notice_awaits_la_confirmation: bool = Field(
        default=False, validation_alias="REFERRALS_PANEL_NOTICE_AWAITS_LA_CONFIRMATION")


def load_settings(**overrides: object) -> ReferralsSettings:
    settings: ReferralsSettings = ReferralsSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
    return settings
