"""The server-rendered pages (Jinja templates in ``templates/``): the dashboard, the annual report,
the sign-in page."""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_pages = Environment(loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape())


def render(template: str, **context: Any) -> str:
    return _pages.get_template(template).render(**context)
