"""iCalendar (RFC 5545) feeds of deadlines, for Outlook and Google Calendar to subscribe to.

Each deadline is an all-day event on its due date (a window such as the rapid review meeting's spans
its days), with a stable UID so a re-import updates instead of duplicating. Summaries name the
timescale and the case id's first characters only — never a child's or adult's details.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from ..domain.rules import RuleBook

PRODID = "-//Safeguarding partnership//learning reviews//EN"


def feed(rows: Iterable[Any], name: str, rules: RuleBook) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = datetime.now(UTC)
    for row in rows:
        event = Event()
        event.add("uid", f"{row['deadline_id']}@safeguard.local")
        event.add("dtstamp", stamp)
        start = row["window_start"] or row["due"]
        event.add("dtstart", start)
        event.add("dtend", row["due"] + timedelta(days=1))  # all-day events end the day after
        try:
            what = rules.get(row["key"]).what
        except KeyError:
            what = row["key"]
        occasion = (row["case_id"] or row["audit_id"] or row["completion_id"] or "")[:8]
        agency = f" ({row['agency'].replace('_', ' ')})" if row["agency"] else ""
        event.add("summary", f"{row['key']}{agency}: {what} [{row['status'].replace('_', ' ')}] {occasion}")
        event.add("description", row["explanation"])
        event.add("categories", [row["key"].split(".")[0].upper()])
        if row["status"] == "met":
            event.add("status", "CONFIRMED")
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
