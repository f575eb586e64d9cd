"""Dates as people write them in what this service says to people."""
from __future__ import annotations

from datetime import date


def as_people_write(day: date) -> str:
    """Monday 21 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"
