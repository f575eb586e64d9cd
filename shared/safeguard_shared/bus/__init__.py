"""The bus: the outbox and its relay, durable consumers, their dispatch and the subjects' names.

Its parts are imported when first named (PEP 562), not with the package: a process that needs only
the names or the broker's access rules (``safeguard up`` writing the server's configuration) does not
load nats-py, SQLAlchemy and every contract (bench/idle_memory.py).
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .consumer import PermanentError, Subscription
    from .dispatch import EventDispatcher, EventHandler, EventHandlers, producers
    from .names import BusNames
    from .outbox import Outbox, OutboxRelay, PublishRefused

_WHERE = {"PermanentError": "consumer", "Subscription": "consumer", "EventDispatcher": "dispatch",
          "EventHandler": "dispatch", "EventHandlers": "dispatch", "producers": "dispatch", "BusNames": "names",
          "Outbox": "outbox", "OutboxRelay": "outbox", "PublishRefused": "outbox"}

__all__ = ["BusNames", "EventDispatcher", "EventHandler", "EventHandlers", "Outbox", "OutboxRelay",
           "PermanentError", "PublishRefused", "Subscription", "producers"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
