"""The partnership's vocabulary, written once: its agencies, the three statutory safeguarding
partners, the roles a person can hold, and the rule that an agency acts only for itself.

Every service validates agencies and roles against these names, so a partnership that adds an agency
adds it here and nowhere else. This module has no I/O, so a domain package may import it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, WithJsonSchema

# Business dates are calendar dates in England; instants are stored in UTC.
LONDON = ZoneInfo("Europe/London")

# The statutory safeguarding partners (Children Act 2004 s16E): a rapid review meeting is quorate
# only when each of them is represented.
STATUTORY_PARTNERS: tuple[str, ...] = ("local_authority", "police", "icb")

# The business unit's own "agency" is the partnership itself.
BUSINESS_UNIT_AGENCY = "partnership"

AGENCIES: frozenset[str] = frozenset(
    {*STATUTORY_PARTNERS, "adult_social_care", "school", "health_provider", "probation", "housing",
     "ambulance", BUSINESS_UNIT_AGENCY}
)

ROLES: frozenset[str] = frozenset(
    {"referrer", "safeguarding_lead", "business_unit", "panel_member", "independent_chair",
     "qa_lead", "reporting_reader", "admin", "reviewer"}
)

# Roles that act for the whole partnership rather than for one agency.
PARTNERSHIP_WIDE_ROLES: frozenset[str] = frozenset({"business_unit", "admin"})


class NotYourAgency(Exception):
    """A person of one agency tried to act for another."""


def known_agency(value: str) -> str:
    """The agency, if the partnership knows it; otherwise a ValueError that names the known ones."""
    if value not in AGENCIES:
        raise ValueError(f"unknown agency '{value}'; known: {', '.join(sorted(AGENCIES))}")
    return value


# A request field or contract field that must name one of the partnership's agencies. Its documented
# schema lists them, so a reader of the OpenAPI and AsyncAPI documents (and a fuzzer) knows the names;
# the validator still answers an unknown one with a message that names the known ones.
Agency = Annotated[str, AfterValidator(known_agency), WithJsonSchema({"type": "string", "enum": sorted(AGENCIES)})]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject, the agency it acts for and its roles."""

    subject: str
    agency: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))

    @property
    def acts_for_partnership(self) -> bool:
        return self.has_any(PARTNERSHIP_WIDE_ROLES)


def require_own_agency(principal: Principal, agency: str, *, what: str = "this") -> None:
    """An agency acts only for itself; the business unit (and an admin) may act on any agency's
    behalf, for instance keying in a referral that arrived by post."""
    if not principal.acts_for_partnership and principal.agency != agency:
        raise NotYourAgency(f"your token is for agency '{principal.agency}', {what} is for '{agency}'")
