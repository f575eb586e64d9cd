"""The steps of a safeguarding adult review after intake."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from . import Command


class ScreenSar(Command):
    business_manager_agrees: bool
    panel_chair_agrees: bool
    outcome: Literal["proceed_to_scoping", "not_proceeding"]
    reasons: str = Field(min_length=1, max_length=5000)
    mandatory_override_reason: str | None = Field(
        default=None, max_length=5000, description="The independent chair's reason for screening out a referral "
        "that meets the Care Act s44 mandatory criteria (required then, and only the chair may give it)")


class NameAgencies(Command):
    # Not checked against the partnership's agencies: the adults' pathway never has (unchanged here).
    agencies: list[str] = Field(min_length=1)


class ReturnSarScoping(Command):
    information: str | None = Field(default=None, max_length=50000)
    no_information_held: bool = False


class RecordDate(Command):
    on: date


class DecideSar(Command):
    convene: bool
    decided_on: date
    reasons: str = Field(min_length=1, max_length=5000)


class TellFamily(Command):
    notified_on: date
    by: str = Field(min_length=1, max_length=200, description="the chair, or the nominated senior professional")
    method: str = Field(min_length=1, max_length=200)


class CommissionSarReviewers(Command):
    reviewers: list[str] = Field(min_length=1)
    commissioned_on: date


class SubmitImr(Command):
    author_name: str = Field(min_length=1, max_length=200)
    author_role: str = Field(min_length=1, max_length=200)
    author_independent_of_case: bool
    chronology: str = ""
    review_of_records: str = ""
    interviews: str = ""


class HoldPanelMeeting(Command):
    held_on: date
    progress: str = Field(min_length=1)
    immediate_risks: str = Field(min_length=1)
    learning_to_share: str = Field(min_length=1)
    guidance_to_reviewer: str = Field(min_length=1)
    drafts_reviewed: str = Field(min_length=1)
    communications: str = Field(min_length=1)


class SignOffSar(Command):
    signed_off_on: date
    publish: Literal["full", "summary"]


class SarRecommendation(Command):
    text: str = Field(min_length=1, max_length=5000)
    owning_agency: str


class PublishSar(Command):
    published_on: date
    recommendations: list[SarRecommendation] = []


class DelaySar(Command):
    reason: str = Field(min_length=3, max_length=5000, description="e.g. parallel court proceedings")
    expected_sign_off_on: date | None = None


class UpdateOnDelay(Command):
    update: str = Field(min_length=3, max_length=5000)


class NotImplementedIn(Command):
    recommendation: str = Field(min_length=1)
    reason: str = ""


class RecordFindings(Command):
    findings: list[str] = Field(min_length=1)
    actions_taken: list[str] = []
    not_implemented: list[NotImplementedIn] = []


class ResumeSar(Command):
    """Nothing to say: the delay is over."""
