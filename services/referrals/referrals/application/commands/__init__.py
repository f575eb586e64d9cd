"""What people ask the referrals service to do: the referrals themselves and each pathway step's
input. They are the HTTP request bodies too (FastAPI reads them straight from JSON): unknown fields
are refused so that a typo never silently drops a fact."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from safeguard_shared import partnership

# The bounds of what a request carries (issue 12), so that no request can make an event too large
# for the broker: a name 200 characters, free text 20,000, a list of agencies 20, a list of actions,
# findings, recommendations or reviewers 200.
NAME = 200
TEXT = 20_000
MAX_AGENCIES = 20
ITEMS = 200
Agency = Annotated[partnership.Agency, Field(max_length=60)]
Name = Annotated[str, Field(min_length=1, max_length=NAME)]
Text = Annotated[str, Field(min_length=1, max_length=TEXT)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
