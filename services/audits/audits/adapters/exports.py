"""Action plans as files: CSV for any spreadsheet, and an Excel workbook (openpyxl)."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from safeguard_shared.spreadsheets import neutralise


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(_text(row.get(c))) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def to_xlsx(columns: list[str], rows: list[dict[str, Any]], title: str = "Action plan") -> bytes:
    # openpyxl (and Pillow) is loaded at the first spreadsheet, not at start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if isinstance(value, (bool, int, date)) or value is None:
                cells.append(_text(value) if isinstance(value, bool) else value)
                continue
            # Text, never a formula, whatever it starts with: a workbook has a text type, so the value
            # is kept as written (the CSV, which has none, gets ``neutralise``'s apostrophe instead).
            cell = WriteOnlyCell(sheet, value=str(value))
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
