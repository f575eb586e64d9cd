"""The referrals an agency sends (docs/architecture.md, "Stable interface")."""
from __future__ import annotations

from typing import Literal, Self

from pydantic import EmailStr, Field, field_validator, model_validator

from safeguard_shared.types import BusinessDate

from . import MAX_AGENCIES, Agency, Command


def _each_once(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("involved_agencies lists an agency twice")
    return values


class SafeguardingLead(Command):
    name: str = Field(min_length=1, max_length=200)
    agreed_on: BusinessDate


class Child(Command):
    reference: str = Field(min_length=1, max_length=100)
    date_of_birth: BusinessDate
    looked_after: bool
    care_leaver: bool = False


class Incident(Command):
    occurred_on: BusinessDate
    became_aware_on: BusinessDate
    outcome: Literal["died", "seriously_harmed"]
    abuse_or_neglect: Literal["known", "suspected", "not_suspected"]
    summary: str = Field(min_length=1, max_length=20000)


class ReferChild(Command):
    """A serious incident concerning a child, agreed by the referring organisation's safeguarding lead."""

    referring_agency: Agency
    safeguarding_lead: SafeguardingLead
    received_on: BusinessDate | None = None
    child: Child
    incident: Incident
    involved_agencies: list[Agency] = Field(min_length=1, max_length=MAX_AGENCIES)

    _once = field_validator("involved_agencies")(_each_once)


class AuthorisedBy(Command):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["safeguarding_lead", "senior_manager"]
    authorised_on: BusinessDate


class Adult(Command):
    reference: str = Field(min_length=1, max_length=100)
    date_of_birth: BusinessDate


class Criteria(Command):
    died: bool
    abuse_or_neglect: Literal["known", "suspected", "not_suspected"]
    concern_agencies_could_have_worked_better: bool = False
    discretionary: bool = False


class OnBehalfOfPublic(Command):
    """A member of the public's concern, referred by the worker involved with the person's care."""

    relationship: str = Field(min_length=1, max_length=200, description="e.g. daughter, neighbour")
    worker_role: str = Field(min_length=1, max_length=200, description="the referring worker's role")


class RecordFamilyContact(Command):
    """Who the partnership writes to about a SAR: the adult, a family member or an advocate."""

    name: str = Field(min_length=1, max_length=200)
    relationship: str = Field(min_length=1, max_length=200, description="e.g. son, advocate, the adult")
    channel: Literal["email", "post"]
    email: EmailStr | None = Field(default=None, max_length=320, description="checked as an address, not looked up")
    postal_address: str | None = Field(default=None, max_length=1000)
    restriction: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.channel == "email" and not self.email:
            raise ValueError("an email address is needed to write by email")
        if self.channel == "post" and not self.postal_address:
            raise ValueError("a postal address is needed to write by post")
        return self


class ReferAdult(Command):
    """A request for a safeguarding adult review."""

    referring_agency: Agency
    authorised_by: AuthorisedBy | None = None
    received_on: BusinessDate | None = None
    adult: Adult
    criteria: Criteria
    summary: str | None = Field(default=None, max_length=20000)
    involved_agencies: list[Agency] = Field(default=[], max_length=MAX_AGENCIES)
    on_behalf_of_public: OnBehalfOfPublic | None = None
    family_contact: RecordFamilyContact | None = None

    _once = field_validator("involved_agencies")(_each_once)
