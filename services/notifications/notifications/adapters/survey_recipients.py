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

import httpx

from ..domain.delivery import PermanentFailure, TemporaryFailure


@dataclass(frozen=True)
class SurveyDetails:
    address: str
    survey_url: str
    link_expires_on: date
    trainee: str | None


class AuditsSurveys:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 10.0,
                 client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        # Tests give the audits service's own in-process client.
        self.client = client

    async def details(self, survey_id: str) -> SurveyDetails:
        """The survey's recipient and link; a temporary failure when the audits service cannot answer
        now (tried again with the message's back-off), a permanent one when it has none to give."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = f"{self.base_url}/v1/training/surveys/{survey_id}/recipient"
        try:
            if self.client is not None:
                response = await self.client.get(url, headers=headers, timeout=self.timeout)
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"the audits service did not answer ({type(exc).__name__})") from None
        if response.status_code == 404:
            raise PermanentFailure("the audits service has no message owed for this survey")
        if response.status_code != 200:
            raise TemporaryFailure(f"the audits service answered {response.status_code}", response.status_code)
        body = response.json()
        if not body.get("address"):
            raise PermanentFailure("the audits service holds no e-mail address for this survey's recipient")
        return SurveyDetails(body["address"], body["survey_url"], date.fromisoformat(body["link_expires_on"]),
                             body.get("trainee"))
