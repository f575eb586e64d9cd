"""The server-rendered pages (Jinja templates in ``templates/``): the dashboard, the annual report,
the sign-in page.

The templates speak in words: the ``label`` filter gives a code's words (domain/words.py), ``count``
a number with its noun in the right form, ``long_date`` a date as people write it (wording.py).
"""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..domain.words import GROUPS, label_of
from .wording import count, long_date

_pages = Environment(loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape())
_pages.filters["label"] = label_of
_pages.filters["long_date"] = long_date
_pages.globals["count"] = count
_pages.globals["timeliness_groups"] = GROUPS


def render(template: str, **context: Any) -> str:
    return _pages.get_template(template).render(**context)
