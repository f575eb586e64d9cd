"""The audits service's HTTP API (multi-agency case file audits, agencies' responses, action plans),
called with the signed-in person's own bearer token: the audits service decides what each person may
see and do."""
from __future__ import annotations

from typing import Any

import httpx

from .referrals_api import ApiAnswer, ReferralsApi


class AuditsApi:
    def __init__(self, client: httpx.AsyncClient):
        self._client = client

    async def _call(self, method: str, token: str, path: str, *, json: Any = None,
                    params: dict[str, str] | None = None) -> ApiAnswer:
        return await ReferralsApi._answer(await self._client.request(
            method, path, json=json, params=params, headers=ReferralsApi._auth(token)))

    # --- audits (the QA sub-group) ---------------------------------------------------------------
    async def audits(self, token: str) -> ApiAnswer:
        return await self._call("GET", token, "/v1/audits")

    async def plan(self, token: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("POST", token, "/v1/audits", json=body)

    async def audit(self, token: str, audit_id: str) -> ApiAnswer:
        return await self._call("GET", token, f"/v1/audits/{audit_id}")

    async def sample(self, token: str, audit_id: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("POST", token, f"/v1/audits/{audit_id}/sample", json=body)

    async def send_tool(self, token: str, audit_id: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("POST", token, f"/v1/audits/{audit_id}/tool", json=body)

    async def add_action(self, token: str, audit_id: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("POST", token, f"/v1/audits/{audit_id}/actions", json=body)

    # --- agencies' responses -----------------------------------------------------------------------
    async def owed_responses(self, token: str, audit_id: str | None = None) -> ApiAnswer:
        """Across audits (``GET /v1/responses``), or one audit's (``GET /v1/audits/{id}/responses``)."""
        return await self._call("GET", token, f"/v1/audits/{audit_id}/responses" if audit_id else "/v1/responses")

    async def response(self, token: str, audit_id: str, response_id: str) -> ApiAnswer:
        return await self._call("GET", token, f"/v1/audits/{audit_id}/responses/{response_id}")

    async def save_draft(self, token: str, audit_id: str, response_id: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("PUT", token, f"/v1/audits/{audit_id}/responses/{response_id}", json=body)

    async def submit(self, token: str, audit_id: str, response_id: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("POST", token, f"/v1/audits/{audit_id}/responses/{response_id}/submit", json=body)

    # --- action plans --------------------------------------------------------------------------------
    async def actions(self, token: str, audit_id: str | None = None) -> ApiAnswer:
        return await self._call("GET", token, "/v1/actions", params={"audit_id": audit_id} if audit_id else None)

    async def action(self, token: str, action_id: str) -> ApiAnswer:
        return await self._call("GET", token, f"/v1/actions/{action_id}")

    async def progress(self, token: str, action_id: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("POST", token, f"/v1/actions/{action_id}/progress", json=body)

    async def complete(self, token: str, action_id: str, body: dict[str, Any]) -> ApiAnswer:
        return await self._call("POST", token, f"/v1/actions/{action_id}/complete", json=body)
