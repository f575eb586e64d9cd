"""Request and contract field types every service shares.

``BusinessDate`` is a calendar date the partnership could really mean: 1 January 1900 to
31 December 2200. Anything outside is a typo (``0001-01-01``, ``9999-12-31``) and would otherwise
overflow date arithmetic or make a working-day calendar of thousands of years; it is refused with a
422 that names the field and says the range. This module has no I/O, so a domain package may import it.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)


def within_business_range(value: date) -> date:
    """The date, if it lies between 1900 and 2200; otherwise a ValueError that says the range."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError("must be a date from 1 January 1900 to 31 December 2200")
    return value


# A request field or contract field holding a business date (see the module's docstring).
BusinessDate = Annotated[date, AfterValidator(within_business_range)]
