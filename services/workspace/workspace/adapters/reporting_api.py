"""The reporting service's HTTP API (the board's aggregate figures), called with the signed-in
person's own bearer token: reporting decides who may read its figures."""
from __future__ import annotations

import httpx

from .referrals_api import ApiAnswer, ReferralsApi


class ReportingApi:
    def __init__(self, client: httpx.AsyncClient):
        self._client = client

    async def figure(self, token: str, name: str, year: int | None = None) -> ApiAnswer:
        """One figure as JSON: ``summary``, ``timeliness``, ``overdue``, ``learning-themes``, ``annual`` …"""
        return await ReferralsApi._answer(await self._client.get(
            f"/v1/reports/{name}", params={"year": year} if year else {}, headers=ReferralsApi._auth(token)))
