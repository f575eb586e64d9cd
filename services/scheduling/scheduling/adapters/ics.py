"""iCalendar (RFC 5545) feeds of deadlines, for Outlook and Google Calendar to subscribe to.

Each deadline is an all-day event on its due date (a window such as the rapid review meeting's spans
its days), with a stable UID so a re-import updates instead of duplicating. Titles say the duty in
the rule's own words and the partnership's case reference — never a rule key, a case id, or a child's
or adult's details; the rule key is kept in ``X-SAFEGUARD-DUTY`` for programs that read it.

A booked rapid review meeting is an event of its own, at its time (Europe/London), with the same UID
and SEQUENCE as the invitation each agency received, so a calendar that has both shows one meeting.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from safeguard_shared.contracts.referrals import rapid_review_meeting_uid
from safeguard_shared.partnership import LONDON

from ..domain.rules import RuleBook

if TYPE_CHECKING:
    from icalendar import Event

# How long the feed shows a booked meeting (the invitation books the same two hours).
MEETING_LENGTH = timedelta(hours=2)
_STATUS_WORDS = {"overdue": "overdue", "due_soon": "due soon", "met": "done", "paused": "paused"}


def _whose(row: Any) -> str:
    if row.get("case_ref"):
        return f"partnership case {row['case_ref']}"
    if row.get("audit_id"):
        return "multi-agency case file audit"
    if row.get("completion_id"):
        return "training follow-up"
    return "partnership case"

PRODID = "-//Safeguarding partnership//learning reviews//EN"


def feed(rows: Iterable[Any], name: str, rules: RuleBook, meetings: Sequence[dict[str, Any]] = ()) -> bytes:
    # Imported at the first feed asked for: the idle service does without it (bench/idle_memory.py).
    from icalendar import Calendar, Event

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
        row = dict(row)
        agency = f" ({row['agency'].replace('_', ' ')})" if row["agency"] else ""
        status = f" [{_STATUS_WORDS[row['status']]}]" if row["status"] in _STATUS_WORDS else ""
        event.add("summary", f"{what[:1].upper()}{what[1:]}{agency}: {_whose(row)}{status}")
        event.add("x-safeguard-duty", row["key"])
        event.add("description", row["explanation"])
        event.add("categories", [row["key"].split(".")[0].upper()])
        if row["status"] == "met":
            event.add("status", "CONFIRMED")
        cal.add_component(event)
    for meeting in meetings:
        cal.add_component(_meeting(meeting, stamp))
    ical: bytes = cal.to_ical()
    return ical


def _meeting(meeting: dict[str, Any], stamp: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", rapid_review_meeting_uid(meeting["case_id"]))
    event.add("sequence", meeting["booking"])
    event.add("dtstamp", stamp)
    title = f"Rapid review meeting: partnership case {meeting['case_ref']}"
    if meeting["meeting_time"]:
        start = datetime.combine(meeting["meeting_on"], time.fromisoformat(meeting["meeting_time"]), tzinfo=LONDON)
        event.add("dtstart", start)
        event.add("dtend", start + MEETING_LENGTH)
    else:
        event.add("dtstart", meeting["meeting_on"])
        event.add("dtend", meeting["meeting_on"] + timedelta(days=1))
        title += " (time to be confirmed)"
    event.add("summary", title)
    event.add("description", "The place or the link to join is in the invitation each agency received.")
    event.add("x-safeguard-duty", "rr.meeting.booked")
    return event
