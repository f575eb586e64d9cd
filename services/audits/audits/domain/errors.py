"""What a rule says when it refuses. No I/O; the HTTP layer turns these into 422 and 409."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One broken rule, naming where: ``loc`` reads like FastAPI's (``["body", "answers", "q3"]``)."""

    loc: tuple[str, ...]
    msg: str
    type: str = "value_error"

    def as_detail(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class RuleBroken(Exception):
    """Well-formed input that breaks one or more of the framework's rules (422): every problem is listed."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.msg for p in problems))
        self.problems = problems

    @classmethod
    def one(cls, loc: tuple[str, ...], msg: str, type_: str = "value_error") -> RuleBroken:
        return cls([Problem(loc, msg, type_)])


class OutOfOrder(Exception):
    """A step the audit, action or survey is not ready for, or has already had (409)."""
