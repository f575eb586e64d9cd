"""Letters and forms as PDF (fpdf2, pure Python): to print and post, or to attach.

The built-in PDF fonts cover Latin-1 only. Without a font file of its own (``NOTIFICATIONS_PDF_FONT_FILE``,
any Unicode TrueType font such as DejaVu Sans) a character outside Latin-1 is written as its nearest
plain letter (dashes and quotes as their ASCII forms, "Ł" as "L"), never dropped silently as a "?"
where a plainer form exists.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .wording import long_date

if TYPE_CHECKING:
    from fpdf import FPDF

_PLAIN = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                        "\u2026": "...", "\u2022": "-", "\u00a0": " ", "\u0141": "L", "\u0142": "l",
                        "\u0110": "D", "\u0111": "d", "\u00d8": "O", "\u00f8": "o", "\u0131": "i"})


def latin1(text: str) -> str:
    text = text.translate(_PLAIN)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(folded or "?")
    return "".join(out)


class PdfRenderer:
    def __init__(self, partnership: str, font_file: str | None = None):
        self.partnership = partnership
        self.font_file = font_file

    def render(self, text: str, *, title: str, dated: date, at: datetime,
               address_lines: tuple[str, ...] = ()) -> bytes:
        """One document: the partnership's heading, the address block (for post), the date, the text.

        ``at`` is the document's creation time (the message's queue time), so rendering the same
        message twice gives the same document.
        """
        # Loaded at the first letter, not at start (fpdf2 brings Pillow and fontTools: tens of MB).
        from fpdf import FPDF

        pdf = FPDF(format="A4")
        pdf.set_creation_date(at)
        pdf.set_title(title)  # a constant, like the subject line
        pdf.set_author(self.partnership)
        pdf.set_margins(20, 20, 20)
        pdf.set_auto_page_break(True, margin=20)
        family, clean = self._font(pdf)
        pdf.add_page()
        pdf.set_font(family, size=13)
        pdf.multi_cell(0, 7, clean(self.partnership), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_font(family, size=11)
        for line in address_lines:
            pdf.multi_cell(0, 5.5, clean(line), new_x="LMARGIN", new_y="NEXT")
        if address_lines:
            pdf.ln(6)
        pdf.multi_cell(0, 5.5, clean(long_date(dated)), new_x="LMARGIN", new_y="NEXT", align="R")
        pdf.ln(4)
        for paragraph in text.rstrip("\n").split("\n"):
            if paragraph.strip():
                pdf.multi_cell(0, 5.5, clean(paragraph), new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(3)
        return bytes(pdf.output())

    def _font(self, pdf: FPDF) -> tuple[str, Callable[[str], str]]:
        if self.font_file and Path(self.font_file).is_file():
            pdf.add_font("letter", fname=self.font_file)
            return "letter", lambda s: s
        return "Helvetica", latin1
