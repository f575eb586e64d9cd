"""The referrals service's HTTP API, called with the signed-in person's own bearer token: the
workspace holds no case data and no power of its own; the service decides what each person may do."""
from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

import httpx


@dataclass
class ApiAnswer:
    status: int
    body: Any


class ReferralsApi:
    def __init__(self, client: httpx.AsyncClient):
        self._client = client

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    async def _answer(response: httpx.Response) -> ApiAnswer:
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text}
        return ApiAnswer(response.status_code, body)

    async def refer_child(self, token: str, referral: dict[str, Any], *,
                          idempotency_key: str | None = None) -> ApiAnswer:
        # The form's own key: sending the same form twice (a double click, a resent page) answers the
        # same case instead of opening another.
        headers = self._auth(token) | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})
        return await self._answer(await self._client.post("/v1/referrals/child", json=referral, headers=headers))

    async def refer_adult(self, token: str, referral: dict[str, Any], *,
                          idempotency_key: str | None = None) -> ApiAnswer:
        headers = self._auth(token) | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})
        return await self._answer(await self._client.post("/v1/referrals/adult", json=referral, headers=headers))

    async def resubmit_adult(self, token: str, case_id: str, referral: dict[str, Any]) -> ApiAnswer:
        return await self._answer(await self._client.post(f"/v1/referrals/adult/{case_id}/resubmission",
                                                          json=referral, headers=self._auth(token)))

    async def history(self, token: str, case_id: str) -> ApiAnswer:
        return await self._answer(await self._client.get(f"/v1/cases/{case_id}/history", headers=self._auth(token)))

    async def step(self, token: str, case_id: str, path: str, body: dict[str, Any]) -> ApiAnswer:
        """One step of a case's pathway: ``POST /v1/cases/{case_id}/{path}``."""
        return await self._answer(await self._client.post(f"/v1/cases/{case_id}/{path}", json=body,
                                                          headers=self._auth(token)))

    async def case(self, token: str, case_id: str) -> ApiAnswer:
        return await self._answer(await self._client.get(f"/v1/cases/{case_id}", headers=self._auth(token)))

    async def search_cases(self, token: str, q: str = "") -> ApiAnswer:
        """Cases whose reference contains ``q``; without it, every case the person may find."""
        return await self._answer(await self._client.get("/v1/cases", params={"q": q} if q else {},
                                                         headers=self._auth(token)))

    async def documents(self, token: str, case_id: str) -> ApiAnswer:
        """The case's documents (metadata only), as far as the service lets this person see them."""
        return await self._answer(await self._client.get(f"/v1/cases/{case_id}/documents", headers=self._auth(token)))

    async def add_document(self, token: str, case_id: str, kind: str, filename: str, content: IO[bytes],
                           media_type: str | None) -> ApiAnswer:
        """Pass an uploaded file on as it was sent: the service checks its content, size and who may add it."""
        return await self._answer(await self._client.post(
            f"/v1/cases/{case_id}/documents", data={"kind": kind},
            files={"file": (filename, content, media_type or "application/octet-stream")},
            headers=self._auth(token)))

    async def document(self, token: str, case_id: str, document_id: str) -> httpx.Response:
        """A document's content as a stream (the caller closes it), so a large file is never held whole
        in the workspace."""
        request = self._client.build_request("GET", f"/v1/cases/{case_id}/documents/{document_id}",
                                             headers=self._auth(token))
        return await self._client.send(request, stream=True)

    async def pack(self, token: str, case_id: str) -> ApiAnswer:
        """The rapid review's document pack (the referral, the local authority's notification, the
        agencies' scoping returns), for those the service lets read it; each read recorded there."""
        return await self._answer(await self._client.get(f"/v1/cases/{case_id}/pack", headers=self._auth(token)))

    async def drafts(self, token: str, case_id: str) -> ApiAnswer:
        """The CSPR's confidential drafts, for those the service lets read them; each read recorded there."""
        return await self._answer(await self._client.get(f"/v1/cases/{case_id}/cspr/drafts",
                                                         headers=self._auth(token)))
