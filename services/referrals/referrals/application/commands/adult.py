"""The steps of a safeguarding adult review after intake."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from safeguard_shared.contracts.referrals import DELAY_REASONS, DelayReason, OtherStep
from safeguard_shared.types import BusinessDate

from . import ITEMS, MAX_AGENCIES, TEXT, Command, Name, Text


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
    agencies: list[Annotated[str, Field(max_length=60)]] = Field(min_length=1, max_length=MAX_AGENCIES)


class ReturnSarScoping(Command):
    information: str | None = Field(default=None, max_length=50000)
    no_information_held: bool = False


class RecordDate(Command):
    on: BusinessDate


class DecideSar(Command):
    """The sub-group's decision: a recommendation the independent chair reviews."""

    convene: bool
    decided_on: BusinessDate
    reasons: str = Field(min_length=1, max_length=5000)
    other_steps: list[OtherStep] = Field(default_factory=list, max_length=20,
                                         description="What is done instead of a SAR (required when not convening)")
    other_steps_detail: str = Field(default="", max_length=5000, description="Who does what (kept in this "
                                    "service; never in an event)")


class ReviewSarDecision(Command):
    """The independent chair confirms (``confirmed``) or overturns the sub-group's decision."""

    confirmed: bool
    on: BusinessDate
    reasons: str = Field(default="", max_length=5000)
    other_steps: list[OtherStep] = Field(default_factory=list, max_length=20, description="When the outcome is not to "
                                         "convene: the other steps (by default the sub-group's)")
    other_steps_detail: str = Field(default="", max_length=5000)
    mandatory_override_reason: str | None = Field(
        default=None, max_length=5000, description="Why a SAR the Care Act s44 duty requires is not convened "
        "(required then)")


class TellFamily(Command):
    notified_on: BusinessDate
    by: str = Field(min_length=1, max_length=200, description="the chair, or the nominated senior professional")
    method: str = Field(min_length=1, max_length=200)


class CommissionSarReviewers(Command):
    reviewers: list[Name] = Field(min_length=1, max_length=ITEMS)
    commissioned_on: BusinessDate


class SubmitImr(Command):
    author_name: str = Field(min_length=1, max_length=200)
    author_role: str = Field(min_length=1, max_length=200)
    author_independent_of_case: bool
    chronology: str = Field(default="", max_length=TEXT)
    review_of_records: str = Field(default="", max_length=TEXT)
    interviews: str = Field(default="", max_length=TEXT)


class HoldPanelMeeting(Command):
    held_on: BusinessDate
    progress: Text
    immediate_risks: Text
    learning_to_share: Text
    guidance_to_reviewer: Text
    drafts_reviewed: Text
    communications: Text


class SignOffSar(Command):
    signed_off_on: BusinessDate
    publish: Literal["full", "summary"]


class SarRecommendation(Command):
    text: str = Field(min_length=1, max_length=5000)
    owning_agency: str = Field(min_length=1, max_length=60)


class PublishSar(Command):
    published_on: BusinessDate
    recommendations: list[SarRecommendation] = Field(default=[], max_length=ITEMS)


class DelaySar(Command):
    reason: str = Field(min_length=3, max_length=5000, description="e.g. parallel court proceedings (kept with the "
                        "case; never in an event)")
    reason_code: DelayReason = Field(description="why, from the fixed list other services show in words: "
                                     + "; ".join(f"{code}: {label}" for code, label in DELAY_REASONS.items()))
    expected_sign_off_on: BusinessDate | None = None


class UpdateOnDelay(Command):
    update: str = Field(min_length=3, max_length=5000)


class NotImplementedIn(Command):
    recommendation: Text
    reason: str = Field(default="", max_length=TEXT)


class RecordFindings(Command):
    findings: list[Text] = Field(min_length=1, max_length=ITEMS)
    actions_taken: list[Text] = Field(default=[], max_length=ITEMS)
    not_implemented: list[NotImplementedIn] = Field(default=[], max_length=ITEMS)


class ResumeSar(Command):
    """Nothing to say: the delay is over."""
