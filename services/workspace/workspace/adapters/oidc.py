"""The partnership's identity provider, over OpenID Connect: the authorisation code flow with PKCE
(S256), through Authlib's OAuth 2 client; the ID token checked against the provider's published keys
(signature, issuer, audience, expiry and the nonce this sign-in sent)."""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # Authlib 1.9 suggests its httpx2 package; the product keeps one HTTP client, the pinned httpx.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client


class SignInFailed(Exception):
    """The provider's answer could not be trusted or used; the message says why, for the log."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    scope: str
    redirect_uri: str


class OidcProvider:
    def __init__(self, config: ProviderConfig, *, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 10.0):
        self.config = config
        self._transport = transport
        self._timeout = timeout
        self._metadata: dict[str, Any] | None = None

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(client_id=self.config.client_id, client_secret=self.config.client_secret,
                                 scope=self.config.scope, redirect_uri=self.config.redirect_uri,
                                 code_challenge_method="S256", transport=self._transport, timeout=self._timeout)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as http:
                answer = await http.get(url)
            answer.raise_for_status()
            metadata = answer.json()
            if metadata.get("issuer") != self.config.issuer:
                raise SignInFailed("the provider's metadata names another issuer")
            self._metadata = metadata
        return self._metadata

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        async with self._client() as client:
            url, _ = client.create_authorization_url(endpoint, state=state, nonce=nonce, code_verifier=code_verifier)
        return str(url)

    async def exchange(self, *, code: str, code_verifier: str) -> dict[str, Any]:
        """The code for the tokens; the ID token's claims checked, the access token returned with them."""
        metadata = await self.metadata()
        async with self._client() as client:
            token = await client.fetch_token(metadata["token_endpoint"], grant_type="authorization_code", code=code,
                                             code_verifier=code_verifier)
        if not token.get("id_token") or not token.get("access_token"):
            raise SignInFailed("the provider gave no ID token or no access token")
        return dict(token)

    async def id_token_claims(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        metadata = await self.metadata()
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as http:
            answer = await http.get(metadata["jwks_uri"])
        answer.raise_for_status()
        keys = jwt.PyJWKSet.from_dict(answer.json())
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = next((k for k in keys.keys if kid is None or k.key_id == kid), None)
            if key is None:
                raise SignInFailed("the ID token is signed with a key the provider does not publish")
            claims: dict[str, Any] = jwt.decode(
                id_token, key.key, algorithms=["RS256", "ES256", "PS256"], audience=self.config.client_id,
                issuer=self.config.issuer, options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token is not valid: {exc}") from None
        if claims.get("nonce") != nonce:
            raise SignInFailed("the ID token answers another sign-in (nonce)")
        return claims


def claim_list(value: Any) -> list[str]:
    """A roles claim as a list: a JSON list, or a space-separated string (some providers send either)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value.split()
        return claim_list(parsed) if isinstance(parsed, list) else value.split()
    return []
