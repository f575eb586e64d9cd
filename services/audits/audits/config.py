from safeguard_shared.settings import ServiceSettings

SERVICE = "audits"
DEFAULT_PORT = 8104


def load_settings(**overrides) -> ServiceSettings:
    return ServiceSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
