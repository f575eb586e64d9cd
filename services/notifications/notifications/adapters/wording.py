"""Dates and times as people write them, in one place: every template and PDF uses these (Babel, en_GB).

"Thursday 14 January 2027", "10:30 on Thursday 14 January 2027": never an ISO date. A datetime is
shown in England's time (Europe/London), whatever zone it was stored in.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

LOCALE = "en_GB"
LONDON = ZoneInfo("Europe/London")


def long_date(value: date | datetime | str | None) -> str:
    """A date (or a datetime, or an ISO date string) as "Thursday 14 January 2027"; a datetime also
    gets its time of day ("Thursday 14 January 2027 at 10:30"). Anything else is returned as it is
    ("not recorded")."""
    if value is None:
        return "not recorded"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        local = value.astimezone(LONDON) if value.tzinfo else value
        return f"{format_date(local.date(), 'EEEE d MMMM y', locale=LOCALE)} at {clock_time(local.time())}"
    return str(format_date(value, "EEEE d MMMM y", locale=LOCALE))


def clock_time(value: time | str) -> str:
    """A time of day as "10:30" (24-hour, as British public bodies write it)."""
    if isinstance(value, str):
        value = time.fromisoformat(value)
    return format_time(value, "HH:mm", locale=LOCALE)


# Agencies as people name them; any other code is written with spaces for its underscores.
AGENCY_NAMES = {
    "icb": "integrated care board (ICB)",
    "local_authority": "local authority",
    "adult_social_care": "adult social care",
    "health_provider": "health provider",
    "partnership": "safeguarding partnership",
}


def agency_name(code: str | None) -> str:
    """An agency's code as its name in a letter ("icb" is "integrated care board (ICB)")."""
    if not code:
        return ""
    return AGENCY_NAMES.get(code, code.replace("_", " "))
