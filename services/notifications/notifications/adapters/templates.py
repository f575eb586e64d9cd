"""Jinja2 rendering of the framework's letters (plain text; autoescape is off because nothing is HTML).

Every template ends with the partnership's contact block (``partials/contact.txt.j2``) and writes
every date with the one filter ``long_date`` (``adapters/wording.py``), so no letter shows an ISO date.
"""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from .wording import agency_name, clock_time, long_date

_env = Environment(loader=PackageLoader("notifications", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)
_env.filters["long_date"] = long_date
_env.filters["clock_time"] = clock_time
_env.filters["agency_name"] = agency_name


def render(template: str, **context: Any) -> str:
    return _env.get_template(f"{template}.txt.j2").render(**context)
