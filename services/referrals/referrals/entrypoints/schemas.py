"""The intake API's request and response bodies (docs/architecture.md, "Stable interface"). Unknown fields are refused so a
typo never silently drops a fact."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from safeguard_shared.auth import AGENCIES

Agency = str


def _known_agency(value: str) -> str:
    if value not in AGENCIES:
        raise ValueError(f"unknown agency '{value}'; known: {', '.join(sorted(AGENCIES))}")
    return value


def _known_agencies_once(values: list[str]) -> list[str]:
    for v in values:
        _known_agency(v)
    if len(set(values)) != len(values):
        raise ValueError("involved_agencies lists an agency twice")
    return values


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SafeguardingLead(Strict):
    name: str = Field(min_length=1, max_length=200)
    agreed_on: date


class Child(Strict):
    reference: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    looked_after: bool
    care_leaver: bool = False


class Incident(Strict):
    occurred_on: date
    became_aware_on: date
    outcome: Literal["died", "seriously_harmed"]
    abuse_or_neglect: Literal["known", "suspected", "not_suspected"]
    summary: str = Field(min_length=1, max_length=20000)


class ChildReferralIn(Strict):
    referring_agency: Agency
    safeguarding_lead: SafeguardingLead
    received_on: date | None = None
    child: Child
    incident: Incident
    involved_agencies: list[Agency] = Field(min_length=1)

    _agency = field_validator("referring_agency")(_known_agency)
    _agencies = field_validator("involved_agencies")(_known_agencies_once)


class CaseOut(BaseModel):
    case_id: str
    case_ref: str
    pathway: str
    status: str
    referring_agency: str
    received_on: date
    became_aware_on: date | None = None
    serious_incident: bool
    rapid_review: bool
    notices_owed: list[str] = []


class AuthorisedBy(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["safeguarding_lead", "senior_manager"]
    authorised_on: date


class Adult(Strict):
    reference: str = Field(min_length=1, max_length=100)
    date_of_birth: date


class Criteria(Strict):
    died: bool
    abuse_or_neglect: Literal["known", "suspected", "not_suspected"]
    concern_agencies_could_have_worked_better: bool = False
    discretionary: bool = False


class OnBehalfOfPublic(Strict):
    """A member of the public's concern, referred by the worker involved with the person's care."""

    relationship: str = Field(min_length=1, max_length=200, description="e.g. daughter, neighbour")
    worker_role: str = Field(min_length=1, max_length=200, description="the referring worker's role")


class FamilyContactIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    relationship: str = Field(min_length=1, max_length=200, description="e.g. son, advocate, the adult")
    channel: Literal["email", "post"]
    email: str | None = Field(default=None, max_length=320)
    postal_address: str | None = Field(default=None, max_length=1000)
    restriction: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _reachable(self):
        if self.channel == "email" and not self.email:
            raise ValueError("an email address is needed to write by email")
        if self.channel == "post" and not self.postal_address:
            raise ValueError("a postal address is needed to write by post")
        return self


class AdultReferralIn(Strict):
    referring_agency: Agency
    authorised_by: AuthorisedBy | None = None
    received_on: date | None = None
    adult: Adult
    criteria: Criteria
    summary: str | None = Field(default=None, max_length=20000)
    involved_agencies: list[Agency] = []
    on_behalf_of_public: OnBehalfOfPublic | None = None
    family_contact: FamilyContactIn | None = None

    _agency = field_validator("referring_agency")(_known_agency)
    _agencies = field_validator("involved_agencies")(_known_agencies_once)
