"""Events the referrals service publishes (subject prefix ``referrals.``).

Events carry the case id and the facts other services need to act, never identifying details:
the child's or adult's reference, name and date of birth stay in the referrals store.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from .envelope import Event, register

RecipientKind = Literal["national_panel", "ofsted", "secretary_of_state", "agency", "referrer", "family"]


@register
class CaseOpened(Event):
    """A referral was accepted and opened a case (children's or adults' pathway)."""

    event_type = "referrals.case.opened"
    schema_version = 1

    case_id: str
    case_ref: str
    pathway: Literal["child", "adult"]
    referring_agency: str
    received_on: date
    became_aware_on: date | None = None
    involved_agencies: list[str]
    serious_incident: bool = False
    looked_after_death: bool = False
    rapid_review: bool = False
    # The statutory notices this referral owes, decided by the referrals service's rules.
    notices_owed: list[RecipientKind] = []
