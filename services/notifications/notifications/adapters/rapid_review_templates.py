"""Asking the referrals service, at the moment the completed rapid review template is sent to the
Panel, for its free text: the rationale, the immediate safety actions and the learning identified.
They live in the referrals store only (services/referrals README): never on the bus, never stored here.

``GET {NOTIFICATIONS_REFERRALS_URL}/v1/cases/{case_id}/rapid-review-template`` with the static
``NOTIFICATIONS_REFERRALS_TOKEN`` (the referrals service's ``REFERRALS_SERVICE_TOKEN``); without one,
the referrals service answers only a caller on its own machine (the embedded default).
"""
from __future__ import annotations

from dataclasses import dataclass

from .service_http import ServiceAsked


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
