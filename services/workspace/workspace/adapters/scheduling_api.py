"""The scheduling service's HTTP API (deadlines and the timescale rules), called with the signed-in
person's own bearer token: scheduling decides which deadlines each person may see."""
from __future__ import annotations

import httpx

from .referrals_api import ApiAnswer, ReferralsApi


class SchedulingApi:
    def __init__(self, client: httpx.AsyncClient):
        self._client = client

    async def deadlines(self, token: str, case_id: str) -> ApiAnswer:
        return await ReferralsApi._answer(await self._client.get(
            "/v1/deadlines", params={"case_id": case_id}, headers=ReferralsApi._auth(token)))

    async def rules(self, token: str) -> ApiAnswer:
        return await ReferralsApi._answer(await self._client.get("/v1/rules", headers=ReferralsApi._auth(token)))

    async def agency_deadlines(self, token: str, agency: str) -> ApiAnswer:
        """Every open deadline the agency must meet, on every case (an agency's staff: their own only)."""
        return await ReferralsApi._answer(await self._client.get(
            "/v1/deadlines", params={"agency": agency}, headers=ReferralsApi._auth(token)))

    async def deadline(self, token: str, deadline_id: str) -> ApiAnswer:
        return await ReferralsApi._answer(await self._client.get(f"/v1/deadlines/{deadline_id}",
                                                                 headers=ReferralsApi._auth(token)))
