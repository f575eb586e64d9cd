from safeguard_shared.settings import ServiceSettings

SERVICE = "scheduling"
DEFAULT_PORT = 8102


def load_settings(**overrides) -> ServiceSettings:
    return ServiceSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
