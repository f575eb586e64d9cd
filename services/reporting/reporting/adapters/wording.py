"""Numbers, plurals and dates as people write them, for the pages and the PDF alike (Babel, en_GB):
``count(1, "referral", "referrals")`` → "1 referral", ``count(1204, "action was", "actions were")`` →
"1,204 actions were", ``long_date("2026-04-01")`` → "1 April 2026"."""
from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = Locale.parse("en_GB")


def count(n: int | float | None, singular: str, plural: str) -> str:
    """A number and its noun (and verb) in the form the number takes; a missing figure is "no <plural>"."""
    if n is None:
        return f"no {plural}"
    form = singular if LOCALE.plural_form(n) == "one" else plural
    return f"{format_decimal(n, locale=LOCALE)} {form}"


def long_date(value: date | str | None) -> str:
    if value is None or value == "":
        return "—"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "d MMMM y", locale=LOCALE)
