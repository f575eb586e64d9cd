"""The embedded broker's users: one per service and the operator (safeguard_shared.bus.access), their
passwords made once into the data folder (``nats/credentials.json``, readable by its owner only) and
reused on every start, so a restarted broker or service finds the same ones.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from safeguard_shared.bus.access import OPERATOR, USERS, BusCredentials, new_passwords


def credentials_file(data_dir: Path) -> Path:
    return data_dir / "nats" / "credentials.json"


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (0600), whatever the umask, replacing it atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_passwords(data_dir: Path) -> dict[str, str]:
    """Every user's password: those already in the data folder, and new ones for users it lacks."""
    path = credentials_file(data_dir)
    try:
        known: dict[str, str] = json.loads(path.read_text())
    except FileNotFoundError:
        known = {}
    passwords = {user: known.get(user) or fresh for user, fresh in new_passwords().items()}
    if passwords != known:
        write_private(path, json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return passwords


def credentials_env(user: str, passwords: Mapping[str, str]) -> dict[str, str]:
    return {"NATS_USER": user, "NATS_PASSWORD": passwords[user]}


def stack_credentials(data_dir: Path, user: str = OPERATOR) -> BusCredentials:
    """The credentials a command run beside a stack uses: NATS_USER/NATS_PASSWORD when set, else
    ``user``'s from the embedded default's data folder, else none."""
    given = BusCredentials.from_env()
    if given.user or os.environ.get("NATS_URL"):
        return given
    try:
        passwords = json.loads(credentials_file(data_dir).read_text())
    except (FileNotFoundError, ValueError):
        return given
    return BusCredentials(user, passwords.get(user), given.tls_ca_file) if user in USERS else given
