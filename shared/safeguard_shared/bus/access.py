"""Who may do what on the bus: one NATS user per service, an operator, and the server's
``authorization`` block that says so.

A service may publish only its own events (``referrals.>`` for referrals) and its own dead letters
(``deadletter.<service>``); it reads a stream only through its own durable consumer on the streams
it consumes (creating, fetching from and acknowledging that consumer are JetStream API subjects,
allowed here one by one), and it receives replies only on an inbox prefix of its own
(``_INBOX_<service>.>``), so it cannot overhear another service's deliveries. A connection without
credentials is refused. The operator (``admin``: the command line's dead-letter redrive, tests)
may do everything.

``CONSUMES`` repeats what each service's ``EVENT_HANDLERS`` answers, because the command line that
writes the server's configuration imports no service; ``tests/integration/test_bus_authentication.py``
checks the two agree.
"""
from __future__ import annotations

import json
import os
import secrets
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .names import DEAD_LETTERS, PRODUCERS, BusNames

# Which producers' streams each service consumes (its durable consumers).
CONSUMES: dict[str, tuple[str, ...]] = {
    "referrals": ("scheduling",),
    "scheduling": ("audits", "notifications", "referrals"),
    "notifications": ("audits", "referrals", "scheduling"),
    "audits": ("referrals", "scheduling"),
    "reporting": PRODUCERS,
}
# Services that read whole streams from the start, outside their durable consumer: reporting's
# replay (an ordered consumer, flow-controlled, deleted afterwards).
REPLAYS = frozenset({"reporting"})
OPERATOR = "admin"
USERS = (*CONSUMES, OPERATOR)


def inbox_prefix(user: str | None) -> str:
    """Replies and pulled messages reach a connection on this prefix: one of its own per user."""
    return f"_INBOX_{user}" if user else "_INBOX"


def new_passwords() -> dict[str, str]:
    return {user: secrets.token_urlsafe(32) for user in USERS}


def permissions(user: str, names: BusNames) -> dict[str, Any]:
    """The publish and subscribe permissions of one user, as nats-server's configuration takes them."""
    if user == OPERATOR:
        return {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}}
    api = "$JS.API"
    streams = [names.stream(p) for p in (*PRODUCERS, DEAD_LETTERS)]
    publish = [api + ".INFO"]
    publish += [f"{api}.STREAM.{verb}.{stream}" for stream in streams for verb in ("INFO", "CREATE")]
    if user in PRODUCERS:
        publish.append(names.subject(f"{user}.>"))
    publish.append(names.dead_letter_subject(user))
    for producer in CONSUMES[user]:
        stream, durable = names.stream(producer), names.durable(user, producer)
        publish += [f"{api}.CONSUMER.INFO.{stream}.{durable}", f"{api}.CONSUMER.CREATE.{stream}.{durable}",
                    f"{api}.CONSUMER.CREATE.{stream}.{durable}.>", f"{api}.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
                    f"{api}.CONSUMER.MSG.NEXT.{stream}.{durable}", f"$JS.ACK.{stream}.{durable}.>"]
        if user in REPLAYS:
            publish += [f"{api}.CONSUMER.CREATE.{stream}", f"{api}.CONSUMER.CREATE.{stream}.>",
                        f"{api}.CONSUMER.DELETE.{stream}.*", f"$JS.FC.{stream}.>"]
    return {"publish": {"allow": publish}, "subscribe": {"allow": [inbox_prefix(user) + ".>"]}}


def authorization_block(passwords: Mapping[str, str], names: BusNames) -> str:
    """The ``authorization`` block of nats-server's configuration: one user per entry of ``passwords``.

    The passwords are written as given: the file holding them must be readable by its owner only.
    """
    users = [{"user": user, "password": password, "permissions": permissions(user, names)}
             for user, password in passwords.items()]
    # nats-server reads JSON within its configuration format; quoted strings keep "$JS" literal.
    return "authorization " + json.dumps({"users": users}, indent=2) + "\n"


@dataclass(frozen=True)
class BusCredentials:
    """How a connection to the broker proves who it is, and which certificate authority it trusts."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls_ca_file: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> BusCredentials:
        ca = env.get("NATS_TLS_CA_FILE")
        return cls(env.get("NATS_USER") or None, env.get("NATS_PASSWORD") or None, Path(ca) if ca else None)

    def tls_context(self) -> ssl.SSLContext | None:
        return ssl.create_default_context(cafile=str(self.tls_ca_file)) if self.tls_ca_file else None

    def connect_options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect``."""
        options: dict[str, Any] = {"inbox_prefix": inbox_prefix(self.user)}
        if self.user:
            options.update(user=self.user, password=self.password or "")
        if self.tls_ca_file:
            options["tls"] = self.tls_context()
        return options
