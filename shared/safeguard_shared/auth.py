"""Bearer tokens: who is calling (subject), for which agency, in which roles.

Production verifies an OIDC issuer's tokens against its JWKS; the embedded default has a local
issuer whose RSA key lives in the data folder, and ``safeguard token`` mints tokens with it.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, HTTPException, Request, status

# The vocabulary lives in partnership.py (no I/O, so domains may use it); re-exported here for the
# HTTP layer, which meets it through the token.
from .partnership import AGENCIES, ROLES, STATUTORY_PARTNERS, Principal

__all__ = ["AGENCIES", "ROLES", "STATUTORY_PARTNERS", "CurrentPrincipal", "LocalIssuer", "Principal",
           "TokenVerifier", "current_principal", "require_roles"]


# How many verified tokens a process remembers (a token is used for many requests; see ``verify``).
VERIFIED_TOKENS = 1024


class TokenVerifier:
    def __init__(self, *, public_key_pem: bytes | None = None, jwks_url: str | None = None,
                 issuer: str, audience: str):
        if not public_key_pem and not jwks_url:
            raise ValueError("token verification needs a public key file or a JWKS URL")
        # Parsed once: handed the PEM, PyJWT would parse the key again for every request.
        self._key = serialization.load_pem_public_key(public_key_pem) if public_key_pem else None
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self.issuer = issuer
        self.audience = audience
        # token -> (the principal, its expiry): each request of a session carries the same token, and
        # checking its RSA signature again each time gives the same answer until it expires.
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            self._verified.move_to_end(token)
            return known[0]
        principal, expires = self._verify(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        key: Any = self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self._key
        if key is None:  # unreachable: the constructor requires a key or a JWKS URL
            raise jwt.InvalidTokenError("no key to verify tokens with")
        claims = jwt.decode(token, key, algorithms=["RS256", "ES256"], issuer=self.issuer,
                            audience=self.audience, options={"require": ["exp", "sub", "iss"]})
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = roles.split()
        agency = claims.get("agency")
        if not agency:
            raise jwt.InvalidTokenError("token has no agency claim")
        return Principal(subject=str(claims["sub"]), agency=str(agency), roles=frozenset(roles)), float(claims["exp"])


# The longest a token minted here lives: a working day and a margin, never days.
MAX_TOKEN_SECONDS = 12 * 3600


class LocalIssuer:
    """The embedded default's issuer: an RSA key pair kept in ``<data-dir>/issuer/``."""

    def __init__(self, directory: Path, issuer: str = "safeguard-local", audience: str = "safeguard"):
        self.directory = Path(directory)
        self.issuer = issuer
        self.audience = audience

    @property
    def private_key_file(self) -> Path:
        return self.directory / "private.pem"

    @property
    def public_key_file(self) -> Path:
        return self.directory / "public.pem"

    def ensure_keys(self) -> None:
        if self.private_key_file.exists() and self.public_key_file.exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_key_file.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        self.private_key_file.chmod(0o600)
        self.public_key_file.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    def mint(self, *, agency: str, roles: Iterable[str], subject: str | None = None,
             ttl_seconds: int = 8 * 3600) -> str:
        if not 0 < ttl_seconds <= MAX_TOKEN_SECONDS:
            raise ValueError(f"a token lives between 1 second and 12 hours, not {ttl_seconds} seconds")
        self.ensure_keys()
        roles = list(roles)
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(unknown)}; known: {', '.join(sorted(ROLES))}")
        now = int(time.time())
        claims = {"sub": subject or f"{agency}-{'-'.join(roles)}", "agency": agency, "roles": roles,
                  "iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + ttl_seconds}
        return jwt.encode(claims, self.private_key_file.read_bytes(), algorithm="RS256")

    def verifier(self) -> TokenVerifier:
        self.ensure_keys()
        return TokenVerifier(public_key_pem=self.public_key_file.read_bytes(), issuer=self.issuer,
                             audience=self.audience)


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the verified caller, or 401. A coroutine, though it awaits nothing, so that
    FastAPI calls it on the event loop rather than handing each request to a worker thread and back."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token: send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "the Authorization header must read 'Bearer <token>' (the word Bearer, a space, the token)",
                            headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return verifier.verify(token.strip())
    except jwt.PyJWTError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid bearer token: {exc}",
                            headers={"WWW-Authenticate": "Bearer"}) from None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.has_any(roles) and "admin" not in principal.roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"this needs one of the roles: {', '.join(roles)}")
