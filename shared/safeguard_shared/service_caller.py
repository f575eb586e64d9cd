"""A route that answers one other service only (not a person): the caller shows a static secret, the
same on both sides (compared in constant time); with none configured, only a caller on this machine
(the embedded default, every service on one host) is answered.

Used where free text or an address must reach the notifications service at the moment a message is
sent without travelling on the bus: the audits service's survey recipients, the referrals service's
completed rapid review template.
"""
from __future__ import annotations

import hmac
from ipaddress import ip_address

from fastapi import HTTPException, Request, status
from pydantic import SecretStr

from .partnership import Principal


def require_service_caller(request: Request, token: SecretStr | None, *, what: str, setting: str) -> None:
    """401 without the right bearer ``token`` when one is configured; else 403 unless the caller is
    on this machine. ``what`` names what is asked for, ``setting`` the variable holding the secret."""
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 token.get_secret_value().encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"{what} needs the service token ({setting})",
                                headers={"WWW-Authenticate": "Bearer"})
        return
    host = request.client.host if request.client else ""
    try:
        local = ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{what} is given only on this machine unless {setting} is set")


def service_principal(name: str) -> Principal:
    """The calling service as the access log names it (its subject and agency), with no role."""
    return Principal(subject=f"service:{name}", agency=name)
