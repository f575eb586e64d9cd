"""The intake API's request and response bodies (DESIGN section 5). Unknown fields are refused so a
typo never silently drops a fact."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from safeguard_shared.auth import AGENCIES

Agency = str


def _known_agency(value: str) -> str:
    if value not in AGENCIES:
        raise ValueError(f"unknown agency '{value}'; known: {', '.join(sorted(AGENCIES))}")
    return value


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

    @field_validator("involved_agencies")
    @classmethod
    def _agencies(cls, values: list[str]) -> list[str]:
        for v in values:
            _known_agency(v)
        if len(set(values)) != len(values):
            raise ValueError("involved_agencies lists an agency twice")
        return values


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
