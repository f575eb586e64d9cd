from safeguard_shared.settings import ServiceSettings

SERVICE = "referrals"
DEFAULT_PORT = 8101


def load_settings(**overrides) -> ServiceSettings:
    return ServiceSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
