"""Cells that a spreadsheet program opens as text, never as a formula (CSV or formula injection).

Every CSV file and workbook the product writes passes each cell through ``neutralise``: a text that
starts with one of OWASP's formula prefixes (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a
leading apostrophe, so a learning theme written as ``=HYPERLINK(...)`` is shown as written and never
runs. Numbers, dates and empty cells are left as they are. No I/O here.
"""
from __future__ import annotations

from typing import Any

# OWASP's list: a cell starting with any of these is evaluated by Excel, LibreOffice or Google Sheets.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` unchanged, unless it is text starting with a formula prefix: then ``'`` + the text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
