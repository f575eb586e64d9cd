"""What a child referral means under the framework: which statutory notices it owes, and whether a
rapid review follows. No I/O here.

Framework: notify the national Panel of a serious incident (abuse or neglect known or suspected,
and the child died or was seriously harmed); the local authority notifies the Secretary of State and
Ofsted when a looked-after child dies, whether or not abuse or neglect is suspected (Working
Together extends this to care leavers up to 24). Only a notified serious incident leads to a rapid
review.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from safeguard_shared.contracts.referrals import RecipientKind

from .dates import as_people_write

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


def likely_duplicate_key(pathway: str, referring_agency: str, reference: str, on: date) -> str:
    """What makes two referrals likely the same one: the same child (or adult) reference and date
    (the incident's for a child, the received date for an adult) from the same agency. Kept as a
    digest, so the reference itself stays only in the referral it came with."""
    words = "|".join((pathway, referring_agency, " ".join(reference.split()).casefold(), on.isoformat()))
    return hashlib.sha256(words.encode()).hexdigest()


def request_digest(pathway: str, body: Mapping[str, object]) -> str:
    """A digest of a referral as it was sent, to tell a repeated request from a different one."""
    return hashlib.sha256(json.dumps([pathway, body], sort_keys=True, default=str).encode()).hexdigest()


def already_received(case_ref: str, received_on: date) -> str:
    return (f"This looks like a referral already received: case {case_ref}, received on "
            f"{as_people_write(received_on)}. No second case was opened; add anything new to {case_ref}.")
