"""Writes the broker's users and permissions (safeguard_shared/bus/access.py) for the deployments:
deploy/nats/auth.conf (docker compose) and deploy/k8s/nats/auth.conf (Kubernetes). Run it after
changing who publishes or consumes what; tests/deploy/test_bus_security.py checks the files agree."""
from __future__ import annotations

from pathlib import Path

from safeguard_shared.bus.access import authorization_from_environment
from safeguard_shared.bus.names import BusNames

ROOT = Path(__file__).resolve().parents[1]
TARGETS = (ROOT / "deploy" / "nats" / "auth.conf", ROOT / "deploy" / "k8s" / "nats" / "auth.conf")


def main() -> None:
    text = authorization_from_environment(BusNames())
    for target in TARGETS:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
