from .consumer import PermanentError, Subscription
from .names import BusNames
from .outbox import Outbox, OutboxRelay

__all__ = ["BusNames", "Outbox", "OutboxRelay", "PermanentError", "Subscription"]
