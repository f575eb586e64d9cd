"""Who may read the figures: a bearer token, or the dashboard's sign-in cookie (so its download
links work in a browser), holding a reporting role."""
from __future__ import annotations

from fastapi import HTTPException, Request, status

from safeguard_shared.auth import Principal

READ_ROLES = ("reporting_reader", "business_unit", "qa_lead", "independent_chair", "admin")
COOKIE = "safeguard_token"


def verify(request: Request, token: str | None) -> Principal | None:
    if not token:
        return None
    try:
        principal: Principal = request.app.state.verifier.verify(token.strip())
    except Exception:
        return None
    return principal


def principal_of(request: Request) -> Principal | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return verify(request, token)
    return verify(request, request.cookies.get(COOKIE))


def reader(request: Request) -> Principal:
    """The caller, by bearer token or sign-in cookie, holding a reporting role: else 401 or 403."""
    principal = principal_of(request)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    if not principal.has_any(READ_ROLES):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs one of the roles: {', '.join(READ_ROLES)}")
    return principal


def may_read(principal: Principal | None) -> bool:
    return principal is not None and principal.has_any(READ_ROLES)
