"""The base of the aggregates' stored state: typed in memory, JSON in the ``cases.state`` column.

``to_state`` and ``from_state`` are the one place a case is (de)serialised: dates travel as ISO
strings and come back as ``date``. The shape has not changed since the first rows were written (the
same keys, the same ISO dates), so rows already stored read as they are; a future change of shape
adds an upcaster in ``from_state`` rather than a second reader.
"""
from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """A part of a case's state (a return, a decision, a meeting …)."""

    model_config = ConfigDict(extra="ignore")


class Aggregate(Value):
    def to_state(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Self:
        return cls.model_validate(state)
