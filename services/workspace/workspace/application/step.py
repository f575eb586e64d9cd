"""What a step form is: one ``POST /v1/cases/{id}/…`` of a pathway, the fields of its body, and when
and to whom the case's page offers it."""
from __future__ import annotations

from dataclasses import dataclass

from .referral_form import Field

BUSINESS_UNIT = frozenset({"business_unit"})
CHAIR = frozenset({"independent_chair"})


@dataclass(frozen=True)
class Step:
    slug: str  # the page's own address: /cases/{id}/steps/{slug}
    api_path: str  # POST /v1/cases/{id}/{api_path}
    title: str
    button: str
    statuses: tuple[str, ...]  # the case statuses it may follow
    fields: tuple[Field, ...]
    done: str  # the confirmation shown on the case's page
    action: str = ""  # its line in the case's history
    requires: tuple[str, ...] = ()  # the history lines that must come first
    once: bool = True  # not offered again once taken (the API may still take a correction)
    cspr: bool = False  # only when the rapid review decided on a CSPR
    pathway: str = "child"
    roles: frozenset[str] = BUSINESS_UNIT  # who takes it (the API's own rule, so the page offers no dead end)
    while_delayed: bool | None = None  # a SAR's delay steps: only while delayed (True), only while not (False)
