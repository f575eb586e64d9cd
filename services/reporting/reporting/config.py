from safeguard_shared.settings import ServiceSettings

SERVICE = "reporting"
DEFAULT_PORT = 8105


def load_settings(**overrides) -> ServiceSettings:
    return ServiceSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
