"""The steps of the children's pathway after intake, as the business unit, agencies and reviewers
record them."""
from __future__ import annotations

import re
from datetime import time
from typing import Literal

from pydantic import Field, field_validator

from safeguard_shared.types import BusinessDate

from . import ITEMS, MAX_AGENCIES, TEXT, Agency, Command, Name, Text


class BookMeeting(Command):
    """The rapid review meeting: its date (in its window, or with the reason it cannot be), time and place."""

    meeting_on: BusinessDate
    outside_window_reason: str | None = Field(default=None, max_length=2000)
    meeting_time: time | None = Field(default=None, description="When the rapid review meeting starts "
                                      "(Europe/London), HH:MM on the 24-hour clock", examples=["14:30"])
    meeting_place: str | None = Field(default=None, min_length=1, max_length=300, description=(
        "Where it is held (a room and building) or its online link (https); no names or other identifying "
        "details: it goes into every agency's invitation"), examples=["Room 2, Civic Centre"])

    @field_validator("meeting_time", mode="before")
    @classmethod
    def _hours_and_minutes(cls, value: object) -> object:
        if isinstance(value, str) and not _HH_MM.fullmatch(value.strip()):
            raise ValueError("give the time as HH:MM on the 24-hour clock, e.g. 14:30")
        return value

    @field_validator("meeting_place")
    @classmethod
    def _a_place_or_a_secure_link(cls, value: str | None) -> str | None:
        if value is not None and _LINK.match(value) and not value.lower().startswith("https://"):
            raise ValueError("an online meeting's link must start with https://")
        return value


class RequestScoping(BookMeeting):
    involved_agencies: list[Agency] = Field(min_length=1, max_length=MAX_AGENCIES,
                                            description="the agencies confirmed as involved")


class RebookMeeting(BookMeeting):
    """The meeting moved before it is held: the agencies asked for scoping are invited again."""


_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_LINK = re.compile(r"(?i)^([a-z][a-z0-9+.-]*://|www\.)")


class ReturnScoping(Command):
    records_secured: bool
    no_information_held: bool = False
    involvement: str | None = Field(default=None, max_length=20000)


class Attendee(Command):
    agency: Agency
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)


class RecordAttendance(Command):
    attendees: list[Attendee] = Field(min_length=1, max_length=ITEMS)


class RecordMeetingHeld(Command):
    held_on: BusinessDate
    reason: str | None = Field(None, max_length=2000, description="Why it was held before its window, or on a "
                               "date other than the one booked (required then)")


class DecideRapidReview(Command):
    decision: Literal["cspr", "alternative_review", "no_review"]
    immediate_safety_actions: list[Text] = Field(default=[], max_length=ITEMS)
    learning: list[Text] = Field(default=[], max_length=ITEMS)
    rationale: str = Field(min_length=1, max_length=20000)


class RecordPanelResponse(Command):
    response: Literal["endorsed", "challenged", "accepted_as_completed_review"]
    details: str | None = Field(default=None, max_length=20000)
    received_on: BusinessDate


class CommissionCsprReviewers(Command):
    reviewers: list[Name] = Field(min_length=1, max_length=ITEMS)


class AgreeTerms(Command):
    methodology: str = Field(min_length=1, max_length=TEXT)
    terms_of_reference: str = Field(min_length=1, max_length=TEXT)


class RecordInvolvement(Command):
    practitioners: str = Field(min_length=1, max_length=TEXT, description="how practitioners were involved")
    family: str = Field(min_length=1, max_length=TEXT, description="how the family was involved, or why not")


class AddDraft(Command):
    text: str = Field(min_length=1, max_length=500_000)


class SendFinalReport(Command):
    planned_publication_on: BusinessDate


class NewRecommendation(Command):
    text: str = Field(min_length=1, max_length=5000)
    owning_agency: Agency


class PublishCspr(Command):
    published_on: BusinessDate
    in_full: bool
    reasons_not_in_full: str | None = Field(default=None, max_length=TEXT)
    recommendations: list[NewRecommendation] = Field(default=[], max_length=ITEMS)
