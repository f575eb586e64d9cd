from .consumer import PermanentError, Subscription
from .dispatch import EventDispatcher, EventHandler, EventHandlers, producers
from .names import BusNames
from .outbox import Outbox, OutboxRelay, PublishRefused

__all__ = ["BusNames", "EventDispatcher", "EventHandler", "EventHandlers", "Outbox", "OutboxRelay",
           "PermanentError", "PublishRefused", "Subscription", "producers"]
