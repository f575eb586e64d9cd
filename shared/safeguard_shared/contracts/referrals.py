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


@register
class MilestoneReached(Event):
    """Something the framework times happened (or was planned) on a case: the scoping template was
    sent to an agency, the rapid review meeting was held, the Panel was notified …

    ``fact`` is one of the timescale rules' ``met_by`` names; ``anchor`` optionally names the date
    this fact starts other clocks from (e.g. ``meeting_held_on``). A second event for the same fact
    with another date moves the clocks that hang on it, with ``reason``.
    """

    event_type = "referrals.case.milestone_reached"
    schema_version = 1

    case_id: str
    fact: str
    on: date
    agency: str | None = None
    anchor: str | None = None
    reason: str | None = None
