"""Jinja2 rendering of the framework's letters (plain text; autoescape is off because nothing is HTML)."""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

_env = Environment(loader=PackageLoader("notifications", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)


def render(template: str, **context: Any) -> str:
    return _env.get_template(f"{template}.txt.j2").render(**context)
