"""Asking the audits service, at the moment a training survey's message is sent, for its recipient's
address, the survey's signed link and (for a manager) the trainee's staff number. They live in the
audits store only (services/audits README): never on the bus, never stored here.

``GET {NOTIFICATIONS_AUDITS_URL}/v1/training/surveys/{survey_id}/recipient`` with the static
``NOTIFICATIONS_AUDITS_TOKEN`` (the audits service's ``AUDITS_RECIPIENTS_TOKEN``); without one, the
audits service answers only a caller on its own machine (the embedded default).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..domain.delivery import PermanentFailure
from .service_http import ServiceAsked


@dataclass(frozen=True)
class SurveyDetails:
    address: str
    survey_url: str
    link_expires_on: date
    trainee: str | None


class AuditsSurveys(ServiceAsked):
    service = "audits"

    async def details(self, survey_id: str) -> SurveyDetails:
        """The survey's recipient and link (failures as ``ServiceAsked.get``)."""
        body = await self.get(f"/v1/training/surveys/{survey_id}/recipient",
                              not_found="the audits service has no message owed for this survey")
        if not body.get("address"):
            raise PermanentFailure("the audits service holds no e-mail address for this survey's recipient")
        return SurveyDetails(body["address"], body["survey_url"], date.fromisoformat(body["link_expires_on"]),
                             body.get("trainee"))
