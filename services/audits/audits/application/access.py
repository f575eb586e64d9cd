"""Who may do what in the audits service: the QA sub-group (qa_lead, business_unit) for the whole
partnership, an agency's staff for their own agency only."""
from __future__ import annotations

from safeguard_shared.partnership import Principal, require_own_agency

from .errors import Forbidden

QA_ROLES = ("qa_lead", "business_unit")
AGENCY_ROLES = ("referrer", "safeguarding_lead")


def is_qa(principal: Principal) -> bool:
    return principal.has_any(QA_ROLES + ("admin",))


def require_qa(principal: Principal) -> None:
    if not is_qa(principal):
        raise Forbidden(f"this needs one of the roles: {', '.join(QA_ROLES)}")


def require_agency_or_qa(principal: Principal, agency: str | None = None) -> None:
    """The QA sub-group, or staff of ``agency`` (any agency when None) in an agency role."""
    if is_qa(principal):
        return
    if not principal.has_any(AGENCY_ROLES):
        raise Forbidden(f"this needs one of the roles: {', '.join(QA_ROLES + AGENCY_ROLES)}")
    if agency is not None:
        require_own_agency(principal, agency)  # raises NotYourAgency (403)
