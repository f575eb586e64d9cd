"""Versioned event contracts. Importing this package registers every contract."""
from . import audits, notifications, referrals, scheduling  # noqa: F401  (registration side effect)
from .envelope import Envelope, Event, all_contracts, contract_for, new_id, parse, register

__all__ = ["Envelope", "Event", "all_contracts", "contract_for", "new_id", "parse", "register"]
