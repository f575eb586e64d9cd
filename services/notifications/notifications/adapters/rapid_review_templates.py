"""Asking the referrals service, at the moment a message is sent, for what it keeps and the message
carries: the completed rapid review template's free text (the rationale, the immediate safety actions
and the learning identified) for the Panel, and a letter to the family's recipient and words. They live
in the referrals store only (services/referrals README): never on the bus, never stored here.

``GET {NOTIFICATIONS_REFERRALS_URL}/v1/cases/{case_id}/rapid-review-template`` and
``GET {NOTIFICATIONS_REFERRALS_URL}/v1/cases/{case_id}/family-letters/{letter_no}`` with the static
``NOTIFICATIONS_REFERRALS_TOKEN`` (the referrals service's ``REFERRALS_SERVICE_TOKEN``); without one,
the referrals service answers only a caller on its own machine (the embedded default).
"""
from __future__ import annotations

from dataclasses import dataclass

from safeguard_shared.contracts.referrals import FamilyContact

from .service_http import ServiceAsked


@dataclass(frozen=True)
class FamilyLetterContent:
    recipient: FamilyContact  # as the business unit recorded them when the letter was owed
    update: str | None


@dataclass(frozen=True)
class RapidReviewContent:
    rationale: str
    safety_actions: list[str]
    learning: list[str]


class ReferralsTemplates(ServiceAsked):
    service = "referrals"

    async def content(self, case_id: str) -> RapidReviewContent:
        """The decided rapid review's free text (failures as ``ServiceAsked.get``)."""
        body = await self.get(f"/v1/cases/{case_id}/rapid-review-template",
                              not_found="the referrals service has no rapid review decided on this case")
        return RapidReviewContent(body["rationale"], list(body["safety_actions"]), list(body["learning"]))

    async def family_letter(self, case_id: str, letter_no: int) -> FamilyLetterContent:
        """The letter's recipient and words (failures as ``ServiceAsked.get``)."""
        body = await self.get(f"/v1/cases/{case_id}/family-letters/{letter_no}",
                              not_found="the referrals service has no such letter owed on this case")
        return FamilyLetterContent(FamilyContact.model_validate(body["recipient"]), body.get("update"))
