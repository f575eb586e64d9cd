"""A meeting as a calendar invitation (iCalendar, RFC 5545/5546 ``METHOD:REQUEST``) that Outlook,
Exchange and Google Calendar accept: one VEVENT with a UID stable for the meeting, DTSTAMP, an
ORGANIZER (the business unit) and the recipient as ATTENDEE. Times are written in UTC, so no
VTIMEZONE is needed. The invitation names the case by its reference only: no identifying detail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Safeguarding partnership//notifications//EN"


@dataclass(frozen=True)
class Meeting:
    uid: str                 # the same for every invitation to this meeting, and on every resend
    summary: str
    description: str
    on: date
    starts_at: time | None   # local (Europe/London); None: a day's event until the time is booked
    duration: timedelta
    place: str | None
    organizer_name: str
    organizer_email: str
    sequence: int = 0        # 0 as first booked; each re-booking the next (RFC 5545 SEQUENCE)


def meeting_request(meeting: Meeting, attendee_email: str, *, stamp: datetime) -> bytes:
    """The invitation's bytes; ``stamp`` (DTSTAMP) is the message's queue time, so the same message
    rendered again is the same invitation."""
    # Imported at the first invitation: the idle service does without it (bench/idle_memory.py).
    from icalendar import Calendar, Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", meeting.sequence)
    if meeting.starts_at is None:
        event.add("dtstart", meeting.on)
        event.add("dtend", meeting.on + timedelta(days=1))
    else:
        start = datetime.combine(meeting.on, meeting.starts_at, tzinfo=LONDON).astimezone(UTC)
        event.add("dtstart", start)
        event.add("dtend", start + meeting.duration)
    event.add("summary", meeting.summary)
    event.add("description", meeting.description)
    if meeting.place:
        event.add("location", meeting.place)
    organizer = vCalAddress(f"mailto:{meeting.organizer_email}")
    organizer.params["cn"] = vText(meeting.organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{attendee_email}")
    for name, value in (("role", "REQ-PARTICIPANT"), ("partstat", "NEEDS-ACTION"), ("rsvp", "TRUE")):
        attendee.params[name] = vText(value)
    event.add("attendee", attendee)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    return bytes(cal.to_ical())
