"""Asking another service, at the moment a message is sent, for what the message carries but this
service never keeps (a survey's recipient, a rapid review's free text): a GET with the static secret
that service asks for, or none (then it answers only a caller on its own machine)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..domain.delivery import PermanentFailure, TemporaryFailure

if TYPE_CHECKING:
    import httpx


class ServiceAsked:
    service = "other"  # its name, in the failures recorded on a message

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 10.0,
                 client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        # Tests give the other service's own in-process client.
        self.client = client

    async def get(self, path: str, *, not_found: str) -> dict[str, Any]:
        """The JSON answer; a temporary failure when the service cannot answer now (tried again with the
        message's back-off), a permanent one (``not_found``) when it has nothing to give."""
        import httpx  # at the first message that needs it: the idle service does without (bench/idle_memory.py)

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = f"{self.base_url}{path}"
        try:
            if self.client is not None:
                response = await self.client.get(url, headers=headers, timeout=self.timeout)
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"the {self.service} service did not answer ({type(exc).__name__})") from None
        if response.status_code == 404:
            raise PermanentFailure(not_found)
        if response.status_code != 200:
            raise TemporaryFailure(f"the {self.service} service answered {response.status_code}", response.status_code)
        body: dict[str, Any] = response.json()
        return body
