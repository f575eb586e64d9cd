"""What a child referral means under the framework: which statutory notices it owes, and whether a
rapid review follows. No I/O here.

Framework: notify the national Panel of a serious incident (abuse or neglect known or suspected,
and the child died or was seriously harmed); the local authority notifies the Secretary of State and
Ofsted when a looked-after child dies, whether or not abuse or neglect is suspected (Working
Together extends this to care leavers up to 24). Only a notified serious incident leads to a rapid
review.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from safeguard_shared.contracts.referrals import RecipientKind

CARE_LEAVER_AGE_LIMIT = 24


@dataclass(frozen=True)
class ChildReferralFacts:
    outcome: str  # died | seriously_harmed
    abuse_or_neglect: str  # known | suspected | not_suspected
    looked_after: bool
    care_leaver: bool
    date_of_birth: date
    became_aware_on: date


@dataclass(frozen=True)
class ChildReferralAssessment:
    serious_incident: bool
    looked_after_death: bool
    rapid_review: bool
    notices_owed: tuple[RecipientKind, ...]


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def assess_child_referral(facts: ChildReferralFacts) -> ChildReferralAssessment:
    serious_incident = facts.abuse_or_neglect in ("known", "suspected") and facts.outcome in (
        "died", "seriously_harmed")
    care_leaver_in_scope = (facts.care_leaver
                            and age_on(facts.date_of_birth, facts.became_aware_on) <= CARE_LEAVER_AGE_LIMIT)
    looked_after_death = facts.outcome == "died" and (facts.looked_after or care_leaver_in_scope)
    notices: list[RecipientKind] = []
    if serious_incident:
        notices.append("national_panel")
    if looked_after_death:
        notices += ["secretary_of_state", "ofsted"]
    return ChildReferralAssessment(serious_incident=serious_incident, looked_after_death=looked_after_death,
                                   rapid_review=serious_incident, notices_owed=tuple(notices))


def new_case_ref(pathway: str, received_on: date, case_id: str) -> str:
    """The partnership's own case reference: pathway, year and a slice of the case id.

    Derived from the id rather than a counter so that replicas never race for the next number.
    """
    prefix = {"child": "RR", "adult": "SAR"}[pathway]
    return f"{prefix}-{received_on.year}-{uuid.UUID(case_id).hex[:6].upper()}"
