"""Signing in: who the person is, their agency and roles, and the bearer token the services trust."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeguard_shared.auth import LocalIssuer
from safeguard_shared.partnership import AGENCIES, ROLES

from ..adapters.oidc import claim_list
from .referral_form import FieldError


@dataclass(frozen=True)
class Person:
    name: str
    agency: str
    roles: tuple[str, ...]
    token: str


class LocalSignIn:
    """The embedded default's sign-in: anyone who can reach the page may say who they are, so it is
    offered only while the services trust the local issuer whose key is in the data folder."""

    def __init__(self, issuer_dir: Path, *, hours: int):
        self.issuer = LocalIssuer(issuer_dir)
        self.hours = hours

    def sign_in(self, name: str, agency: str, roles: Iterable[str]) -> Person | list[FieldError]:
        name = " ".join(name.split())
        roles = [r for r in dict.fromkeys(roles) if r]
        errors = []
        if not name:
            errors.append(FieldError("name", "Enter your name"))
        elif len(name) > 200:
            errors.append(FieldError("name", "Your name must be 200 characters or fewer"))
        if agency not in AGENCIES:
            errors.append(FieldError("agency", "Select your agency"))
        if not roles or any(r not in ROLES for r in roles):
            errors.append(FieldError("role", "Select at least one role"))
        if errors:
            return errors
        # The subject names the person within their agency; it is recorded by the services as the actor.
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "person"
        token = self.issuer.mint(agency=agency, roles=roles, subject=f"{agency}:{slug}",
                                 ttl_seconds=self.hours * 3600)
        return Person(name=name, agency=agency, roles=tuple(roles), token=token)


def person_from_claims(claims: dict[str, Any], access_token: str, *, name_claim: str, agency_claim: str,
                       roles_claim: str) -> Person | str:
    """Who signed in, from the provider's claims; or why they cannot use this system."""
    agency = str(claims.get(agency_claim) or "")
    roles = [r for r in claim_list(claims.get(roles_claim)) if r in ROLES]
    if agency not in AGENCIES:
        return "Your account does not say which agency you work for, or names one this partnership does not know."
    if not roles:
        return "Your account has no role in this system."
    name = " ".join(str(claims.get(name_claim) or claims.get("sub") or "").split())
    return Person(name=name, agency=agency, roles=tuple(roles), token=access_token)


def local_sign_in_available(*, enabled: bool, jwks_url: str | None, public_key_file: Path | None,
                            issuer_dir: Path) -> bool:
    """Only while the services verify tokens with the local issuer's own public key."""
    if not enabled or jwks_url:
        return False
    if public_key_file is None:
        return True
    try:
        return Path(public_key_file).resolve() == (Path(issuer_dir) / "public.pem").resolve()
    except OSError:
        return False
