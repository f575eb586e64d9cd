"""What a pathway step answers when it cannot go ahead, in the framework's words."""
from __future__ import annotations


class OutOfOrder(Exception):
    """A step the case is not ready for (409), with the reason in the framework's words."""


class RuleBroken(Exception):
    """Well-formed input that breaks a framework rule (422), naming the field."""

    def __init__(self, field_path: list[str], msg: str):
        super().__init__(msg)
        self.loc = field_path
        self.msg = msg


class NotTheChair(Exception):
    """A decision only the independent chair may take (403)."""


class NotAllowed(Exception):
    """The caller's role, or how they stand to this case, does not let them see or do this (403)."""
